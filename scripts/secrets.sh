# shellcheck shell=bash
# Secrets and certificates of the local stack (make up), each generated once under .platform/ and kept:
#   .platform/admin-password   password of the first admin ("admin"), mode 600
#   .platform/internal-key     HMAC key the gateway signs the forwarded actor with (all services), mode 600
#   .platform/keys/            the gateway's token signing keys (the gateway creates and rotates them)
#   .platform/pinning-master-key  Pinning's master key, which wraps the keys of encrypted IPFS copies, mode 600
#   .platform/tls/             a local CA (ca.crt, ca.key) and the gateway's certificate for 127.0.0.1/localhost

# ensure_secret FILE: prints the secret in FILE, generating 32 random bytes (base64url) into it first if missing.
ensure_secret() {
    local file=$1
    if [[ ! -s $file ]]; then
        (umask 077 && openssl rand -base64 32 | tr '+/' '-_' | tr -d '=\n' >"$file.tmp" && mv "$file.tmp" "$file")
    fi
    chmod 600 "$file"
    cat "$file"
}

# ensure_tls DIR: a local CA and a gateway certificate signed by it (valid 825 days), once.
ensure_tls() {
    local dir=$1
    mkdir -p "$dir" && chmod 700 "$dir"
    [[ -s $dir/gateway.crt && -s $dir/gateway.key && -s $dir/ca.crt ]] && return 0
    log "generating a local CA and the gateway's TLS certificate in $dir"
    (
        umask 077
        openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 3650 \
            -subj "/CN=Platform local CA" -keyout "$dir/ca.key" -out "$dir/ca.crt" \
            -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
        openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=localhost" \
            -keyout "$dir/gateway.key" -out "$dir/gateway.csr" 2>/dev/null
        printf '%s\n' "subjectAltName=IP:127.0.0.1,DNS:localhost" "basicConstraints=CA:FALSE" \
            "keyUsage=critical,digitalSignature" "extendedKeyUsage=serverAuth" >"$dir/gateway.ext"
        openssl x509 -req -in "$dir/gateway.csr" -CA "$dir/ca.crt" -CAkey "$dir/ca.key" -CAcreateserial \
            -days 825 -sha256 -extfile "$dir/gateway.ext" -out "$dir/gateway.crt" 2>/dev/null
        rm -f "$dir/gateway.csr" "$dir/gateway.ext"
    ) || die "could not generate the TLS certificates in $dir (openssl)"
    chmod 644 "$dir/ca.crt" "$dir/gateway.crt"
}
