'use strict'
// Rewrites an initialised js-ipfs repo config so the node runs offline on loopback only.
// Usage: node configure.cjs <repo-dir> <api-port>. Run on every start so the API port can change.
// Each setting below is needed (see /work/shared/ENVIRONMENT.md, "IPFS"):
// - Swarm = []: any listen address makes libp2p fail with "no valid addresses were provided for transports";
// - no Gateway/RPC(gRPC)/Delegates/Bootstrap, MDNS/webRTCStar/Pubsub off: nothing to reach, nothing to announce;
// - API bound to 127.0.0.1 only.
const fs = require('fs')
const path = require('path')

const [repo, port] = process.argv.slice(2)
if (!repo || !/^\d+$/.test(port || '')) {
  console.error('usage: node configure.cjs <repo-dir> <api-port>')
  process.exit(2)
}
const file = path.join(repo, 'config')
const config = JSON.parse(fs.readFileSync(file, 'utf8'))

config.Addresses = config.Addresses || {}
config.Addresses.Swarm = []
config.Addresses.Announce = []
config.Addresses.NoAnnounce = []
config.Addresses.Gateway = []
// The daemon starts a gRPC server whenever this key is truthy (even []): drop it.
delete config.Addresses.RPC
config.Addresses.Delegates = []
config.Addresses.API = `/ip4/127.0.0.1/tcp/${port}`
config.Bootstrap = []
config.Discovery = config.Discovery || {}
config.Discovery.MDNS = { ...(config.Discovery.MDNS || {}), Enabled: false }
config.Discovery.webRTCStar = { ...(config.Discovery.webRTCStar || {}), Enabled: false }
config.Pubsub = { ...(config.Pubsub || {}), Enabled: false }

fs.writeFileSync(file + '.tmp', JSON.stringify(config, null, 2))
fs.renameSync(file + '.tmp', file)
