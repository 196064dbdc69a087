#!/bin/sh
# Makes a private CA and the certificates of the NATS cluster (deploy/CLUSTER.md):
#   ca.pem                      the CA: the nodes trust it for routes, the services for servers
#   nats.pem, nats-key.pem      the nodes' certificate (serverAuth and clientAuth, for routes)
#   client.pem, client-key.pem  the services' certificate, for mutual TLS (optional)
#
#   deploy/cluster/certs.sh [OUT_DIR] [K8S_NAMESPACE]      (default: deploy/cluster/certs assure)
#
# One node certificate names every host a node is reached by: `nats` (the clients' address:
# a Compose network alias, a Kubernetes Service) and nats-1..3 (the routes), also under the
# Kubernetes namespace. Use your organisation's CA instead where there is one (cert-manager in
# Kubernetes); keep the keys out of version control.
set -eu

out=${1:-"$(dirname "$0")/certs"}
ns=${2:-assure}
days=${ASSURE_CERT_DAYS:-825}
mkdir -p "$out"
chmod 700 "$out"  # the keys stay the operator's; containers see only their mounts
umask 077
cd "$out"

hosts="nats nats-1 nats-2 nats-3"
san="DNS:localhost,IP:127.0.0.1"
for host in $hosts; do
  san="$san,DNS:$host,DNS:$host.$ns,DNS:$host.$ns.svc,DNS:$host.$ns.svc.cluster.local"
done

key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }

if [ ! -f ca.pem ]; then
  key ca-key.pem
  openssl req -x509 -new -key ca-key.pem -out ca.pem -days 3650 -subj "/CN=Assure NATS CA" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"
fi

sign() {  # name, subject, extensions
  key "$1-key.pem"
  openssl req -new -key "$1-key.pem" -out "$1.csr" -subj "$2"
  printf '%s\n' "$3" > "$1.ext"
  openssl x509 -req -in "$1.csr" -CA ca.pem -CAkey ca-key.pem -CAcreateserial -out "$1.pem" \
    -days "$days" -extfile "$1.ext" 2>/dev/null
  rm -f "$1.csr" "$1.ext"
}

sign nats "/CN=nats" "subjectAltName=$san
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth,clientAuth"
sign client "/CN=assure" "keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=clientAuth"

chmod 644 ca.pem nats.pem client.pem
# The nats image runs as root; the assure image as uid 10001: let both read their keys.
chmod 644 nats-key.pem client-key.pem
echo "certificates in $out"
