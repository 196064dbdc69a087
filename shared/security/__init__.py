"""Who is calling: identities from bearer tokens, and what each role may do (issue 8)."""
