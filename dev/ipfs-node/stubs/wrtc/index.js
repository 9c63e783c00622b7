'use strict'
// Stub of the optional 'wrtc' package: WebRTC is not used by the dev node (offline, no swarm).
throw new Error('wrtc is stubbed out in dev/ipfs-node (WebRTC is not available)')
