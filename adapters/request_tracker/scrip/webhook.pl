# contactguard's webhook for Request Tracker 5: the commit code of a scrip with action "User Defined"
# (docs/adapters/request_tracker.md). It posts each ticket creation and each correspondence to contactguard.
#
# RT's site config names where to post and the shared secret (RT_SiteConfig.d/80-contactguard.pm, 0640):
#   Set($ContactguardWebhookURL, "https://contactguard.council.example/webhooks/Yf3...Q");
#   Set($ContactguardWebhookSecret, "...");   # the connection's shared_secret
#
# The POST runs inside RT's own request: RT waits for the answer (at most 5 s). contactguard answers at once and
# acts afterwards. If contactguard cannot be reached the ticket is still saved, RT logs an error naming the
# ticket and transaction, and `contactguard connections rescan` picks the contact up later.
my $ticket = $self->TicketObj;
my $txn    = $self->TransactionObj;
my $url    = RT->Config->Get('ContactguardWebhookURL');
my $secret = RT->Config->Get('ContactguardWebhookSecret');
unless ( $url && $secret ) {
    RT->Logger->error("contactguard: ContactguardWebhookURL or ContactguardWebhookSecret is not set; ticket "
        . $ticket->Id . " txn " . $txn->Id . " not sent");
    return 1;
}
require JSON;
require HTTP::Tiny;
my $actor = $txn->CreatorObj;
my $top   = $txn->Attachments->First;    # the message as RT stored it, with the headers RT added
my $owner = $ticket->OwnerObj;
my $payload = {
    version     => 1,
    event       => ( $txn->Type eq 'Create' ? 'ticket.created' : 'ticket.correspondence' ),
    ticket      => {
        id         => $ticket->Id,
        subject    => $ticket->Subject,
        status     => $ticket->Status,
        queue      => $ticket->QueueObj->Name,
        owner      => ( $owner->Id == RT->Nobody->Id ? undef : $owner->Name ),
        requestors => [ $ticket->Requestors->MemberEmailAddresses ],
    },
    transaction => {
        id        => $txn->Id,
        type      => $txn->Type,
        created   => $txn->CreatedObj->W3CDTF( Time => 1 ),
        interface => ( ( $top && $top->GetHeader('X-RT-Interface') ) || RT->CurrentInterface ),
        content   => $txn->Content( Type => 'text/plain' ),
    },
    actor       => {
        name       => $actor->Name,
        email      => $actor->EmailAddress,
        privileged => ( $actor->Privileged ? JSON::true() : JSON::false() ),
    },
};
my $answer = HTTP::Tiny->new( timeout => 5, verify_SSL => 1 )->post(
    $url,
    {   headers => { 'Content-Type' => 'application/json', 'X-Contactguard-Secret' => $secret },
        content => JSON->new->utf8->canonical->encode($payload),
    }
);
if ( $answer->{success} ) {
    RT->Logger->info( "contactguard: ticket " . $ticket->Id . " txn " . $txn->Id . " sent: $answer->{status}" );
} else {
    RT->Logger->error( "contactguard: ticket " . $ticket->Id . " txn " . $txn->Id
            . " NOT sent: $answer->{status} $answer->{reason}; run `contactguard connections rescan` for it" );
}
return 1;    # never fail the ticket's transaction because of the webhook
