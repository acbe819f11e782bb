namespace NodeAgent.Operations;

internal enum OpState
{
    Running,
    Succeeded,
    Failed,
    RolledBack,
    RollbackFailed,
}
