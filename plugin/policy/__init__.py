"""The policy core: pure rules over plain data, readable next to the policy text.

Nothing here touches Flask, SQL or the network; the service layer feeds it plain values.
"""
