namespace Platform.Contracts;

/// <summary>
/// The audit log's inbox. The log records events in the order they were committed, and that order is only kept
/// when one producer sends them one after another, each confirmed before the next, to one queue. So producers
/// <em>send</em> what the audit log must record to this queue (Ingest's ordered audit feed, the gateway's access
/// events), while integration events are <em>published</em> to their type exchanges, pipelined and unordered,
/// for everyone else.
/// </summary>
public static class AuditFeed
{
    public const string QueueName = "audit-log";
}
