"""Who may call what: API keys with scopes, the RPC-to-scope table, the runner's resource checks."""
