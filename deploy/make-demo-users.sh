#!/usr/bin/env bash
# Demo technicians for compose.yaml: a random bearer token each (secrets/<name>.token, give it to
# that technician's MCP client), their Syncro key file (here the sandbox's public demo key; for real
# Syncro put each technician's own API key there), and users.yaml with the tokens' sha256.
# Re-running makes new tokens. Real keys: chmod 400 and chown 10001 (the container's user).
set -euo pipefail
cd "$(dirname "$0")"
mkdir -p secrets
token() { openssl rand -hex 24 2>/dev/null || python3 -c 'import secrets; print(secrets.token_hex(24))'; }
sha() { printf %s "$1" | sha256sum | cut -d' ' -f1; }

echo "users:" > users.yaml
for who in "alice:Alice Example" "bob:Bob Example"; do
    id=${who%%:*} name=${who#*:}
    tok=$(token)
    (umask 077 && printf '%s\n' "$tok" > "secrets/$id.token")
    printf '%s\n' "sandbox-key" > "secrets/$id.key" && chmod 644 "secrets/$id.key"   # public demo key
    printf '  - name: %s\n    token_sha256: %s\n    api_key_file: secrets/%s.key\n' "$name" "$(sha "$tok")" "$id" >> users.yaml
    echo "$name: token in deploy/secrets/$id.token"
done
echo "wrote deploy/users.yaml"
