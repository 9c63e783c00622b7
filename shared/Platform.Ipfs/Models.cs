namespace Platform.Ipfs;

/// <summary>
/// Result of /api/v0/add. <see cref="Size"/> is the cumulative DAG size (content plus UnixFS/DAG-PB overhead).
/// <see cref="Name"/> is what the node reported: the file name on Kubo, the CID on js-ipfs.
/// </summary>
public sealed record IpfsAddResult(string Cid, long Size, string Name);

/// <summary>Result of /api/v0/id.</summary>
public sealed record IpfsNodeId(string Id, string? AgentVersion, IReadOnlyList<string> Addresses);

/// <summary>Result of /api/v0/repo/stat.</summary>
public sealed record IpfsRepoStat(long RepoSize, long StorageMax, long NumObjects, string? RepoPath, string? Version);
