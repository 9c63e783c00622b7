#!/usr/bin/env python3
"""Writes the OCI image layouts the benchmark pushes: one big single-layer image and N small ones.

Layers are real tar archives of random bytes (incompressible, so no client or registry can shortcut them),
written in 1 MiB pieces so generating 512 MiB needs no memory to speak of.
"""
import hashlib, io, json, os, sys, tarfile

def blob(root, data_or_path):
    h = hashlib.sha256()
    if isinstance(data_or_path, bytes):
        h.update(data_or_path)
        digest = h.hexdigest()
        path = os.path.join(root, "blobs", "sha256", digest)
        with open(path, "wb") as f:
            f.write(data_or_path)
        return "sha256:" + digest, len(data_or_path)
    with open(data_or_path, "rb") as f:
        for piece in iter(lambda: f.read(1 << 20), b""):
            h.update(piece)
    digest = h.hexdigest()
    os.replace(data_or_path, os.path.join(root, "blobs", "sha256", digest))
    return "sha256:" + digest, os.path.getsize(os.path.join(root, "blobs", "sha256", digest))

class RandomReader(io.RawIOBase):
    def __init__(self, size): self.left = size
    def readable(self): return True
    def readinto(self, b):
        n = min(len(b), self.left)
        if n == 0: return 0
        b[:n] = os.urandom(n); self.left -= n
        return n

def layout(root, tag, size):
    os.makedirs(os.path.join(root, "blobs", "sha256"), exist_ok=True)
    with open(os.path.join(root, "oci-layout"), "w") as f:
        json.dump({"imageLayoutVersion": "1.0.0"}, f)
    tmp = os.path.join(root, "layer.tmp")
    with tarfile.open(tmp, "w", format=tarfile.PAX_FORMAT) as tar:
        info = tarfile.TarInfo("payload.bin"); info.size = size; info.mtime = 0
        tar.addfile(info, io.BufferedReader(RandomReader(size), 1 << 20))
    layer_digest, layer_size = blob(root, tmp)
    config = json.dumps({"architecture": "amd64", "os": "linux",
                         "rootfs": {"type": "layers", "diff_ids": [layer_digest]}}).encode()
    config_digest, config_size = blob(root, config)
    manifest = json.dumps({
        "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": config_digest, "size": config_size},
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": layer_digest, "size": layer_size}],
    }).encode()
    manifest_digest, manifest_size = blob(root, manifest)
    with open(os.path.join(root, "index.json"), "w") as f:
        json.dump({"schemaVersion": 2, "manifests": [{
            "mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": manifest_digest, "size": manifest_size,
            "annotations": {"org.opencontainers.image.ref.name": tag}}]}, f)

if __name__ == "__main__":
    out, big_mib, small_count, small_kib = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    layout(os.path.join(out, "big"), "v1", big_mib << 20)
    for i in range(small_count):
        layout(os.path.join(out, f"small-{i}"), "v1", small_kib << 10)
