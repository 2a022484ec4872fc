"""The worker: drains the outbox and (issue 5) runs the policy's clock."""
