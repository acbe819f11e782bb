namespace NodeAgent.Operations;

internal enum OpKind
{
    Apply,
    Rollback,
    Restart,
    Stop,
    Start,
    Backup,
    WriteMarker,
    ClearMarker,
}
