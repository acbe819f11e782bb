using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using NodeAgent.Configuration;
using NodeAgent.Files;
using NodeAgent.Health;
using NodeAgent.Services;
using NodeAgent.Store;

namespace NodeAgent.Operations;

/// <summary>
/// Runs at start, before the listeners take requests and before systemd hears READY: loads the journal, finishes or
/// undoes every unfinished operation, removes what a crash left half-written, then starts what the process manager
/// supervises. Nothing in here may stop the agent from starting: a failure is recorded on its operation.
/// </summary>
internal sealed partial class CrashRecovery(
    StateDirLock stateLock,
    AgentPaths paths,
    ArtifactStore store,
    ComponentCatalog catalog,
    OperationJournal journal,
    OperationRegistry registry,
    OperationService operations,
    OperationEscalation escalation,
    IServiceManager services,
    AgentReadiness readiness,
    ILogger<CrashRecovery> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        GC.KeepAlive(stateLock);
        paths.EnsureCreated();
        store.CleanTemp();
        var records = journal.LoadAll();
        registry.Load(records);
        var unfinished = records.Where(r => !r.IsTerminal).OrderBy(r => r.CreatedAt).ToList();
        foreach (var op in unfinished)
        {
            LogRecovering(op.Id, op.Kind, op.Component, op.Step);
            try
            {
                await operations.RecoverAsync(op, cancellationToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                escalation.Escalate(op, ex);
            }
        }

        RemoveLeftovers();
        foreach (var component in catalog.Components)
        {
            try
            {
                await services.StartSupervisedAsync(component, cancellationToken);
            }
            catch (ServiceManagerException ex)
            {
                LogCannotStart(component.Name, ex.Message);
            }
        }

        readiness.MarkReady();
        LogReady(records.Count, unfinished.Count);
    }

    /// <summary>A graceful stop leaves every component running: the next agent adopts them (see ProcessServiceManager).</summary>
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>With every operation terminal, no staging or temp file beside a catalog file is still wanted.</summary>
    private void RemoveLeftovers()
    {
        var candidates = catalog.Components
            .SelectMany(c => c.Files.Select(f => f.Path).Concat(c.Marker is { } m ? [m.Path] : []))
            .SelectMany(path => new[] { path + DurableFile.NewSuffix, path + DurableFile.TempSuffix })
            .Concat(Directory.EnumerateFiles(paths.BlobMeta, "*" + DurableFile.TempSuffix));
        foreach (var leftover in candidates.Where(File.Exists))
        {
            File.Delete(leftover);
            LogRemovedLeftover(leftover);
        }
    }

    [LoggerMessage(EventId = 600, Level = LogLevel.Warning, Message = "Recovering operation {OperationId} ({Kind} on {Component}) left at step {Step}")]
    private partial void LogRecovering(string operationId, OpKind kind, string component, OpStep step);

    [LoggerMessage(EventId = 601, Level = LogLevel.Information, Message = "Journal loaded: {Operations} operation(s), {Recovered} recovered; ready")]
    private partial void LogReady(int operations, int recovered);

    [LoggerMessage(EventId = 602, Level = LogLevel.Warning, Message = "Removed {File}, left half-written by an earlier crash")]
    private partial void LogRemovedLeftover(string file);

    [LoggerMessage(EventId = 603, Level = LogLevel.Error, Message = "Could not start {Component}: {Reason}")]
    private partial void LogCannotStart(string component, string reason);
}
