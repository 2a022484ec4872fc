# Prints {"user": "<RT auth token>", ...} for the users named on the command line (RT::AuthToken, core in RT 5),
# made as RT's system user: no web session, no password needed.
use strict;
use warnings;
use lib '/usr/local/share/request-tracker5/lib', '/usr/share/request-tracker5/lib';
use JSON ();
use RT;
RT::LoadConfig();
RT::Init();
my %tokens;
for my $name (@ARGV) {
    my $user = RT::User->new( RT->SystemUser );
    $user->Load($name) or die "no RT user $name\n";
    my ( $id, $msg, $token ) = RT::AuthToken->new( RT->SystemUser )->Create( Owner => $user->Id, Description => 'tests' );
    die "no token for $name: $msg\n" unless $id;
    $tokens{$name} = $token;
}
print JSON->new->canonical->encode( \%tokens ), "\n";
