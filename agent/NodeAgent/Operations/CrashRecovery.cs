using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using NodeAgent.Health;
using NodeAgent.Services;
using NodeAgent.Store;

namespace NodeAgent.Operations;

/// <summary>
/// Runs at start, before the listeners take requests and before systemd hears READY: loads the journal, finishes or
/// undoes every unfinished operation, cleans partial uploads, then starts what the process manager supervises.
/// </summary>
internal sealed partial class CrashRecovery(
    AgentPaths paths,
    ArtifactStore store,
    OperationJournal journal,
    OperationRegistry registry,
    OperationService operations,
    IServiceManager services,
    AgentReadiness readiness,
    ILogger<CrashRecovery> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        paths.EnsureCreated();
        store.CleanTemp();
        var records = journal.LoadAll();
        registry.Load(records);
        var unfinished = records.Where(r => !r.IsTerminal).OrderBy(r => r.CreatedAt).ToList();
        foreach (var op in unfinished)
        {
            LogRecovering(op.Id, op.Kind, op.Component, op.Step);
            await operations.RecoverAsync(op, cancellationToken);
        }

        await services.StartSupervisedAsync(cancellationToken);
        readiness.MarkReady();
        LogReady(records.Count, unfinished.Count);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (services is ProcessServiceManager processes)
        {
            await processes.StopAllAsync(cancellationToken);
        }
    }

    [LoggerMessage(EventId = 600, Level = LogLevel.Warning, Message = "Recovering operation {OperationId} ({Kind} on {Component}) left at step {Step}")]
    private partial void LogRecovering(string operationId, OpKind kind, string component, OpStep step);

    [LoggerMessage(EventId = 601, Level = LogLevel.Information, Message = "Journal loaded: {Operations} operation(s), {Recovered} recovered; ready")]
    private partial void LogReady(int operations, int recovered);
}
