'use strict'
// Stub of the optional 'electron-webrtc' package: WebRTC is not used by the dev node (offline, no swarm).
throw new Error('electron-webrtc is stubbed out in dev/ipfs-node (WebRTC is not available)')
