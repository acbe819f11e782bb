using NodeAgent.Configuration;
using NodeAgent.Files;
using NodeAgent.Operations;

namespace NodeAgent.Store;

/// <summary>Outcome of a collection.</summary>
internal sealed record GcResult(IReadOnlyList<string> Removed, long FreedBytes, int Kept, bool DryRun);

/// <summary>
/// The retention policy. A blob is kept when it is: a file a component has on disk now; the before or after
/// content of a component's latest change (so a rollback always has its files); needed by an unfinished
/// operation; part of a backup set; or staged less than Store:GcMinAgeHours ago (pre-distributed for a window).
/// Everything else may be collected.
/// </summary>
internal sealed class GarbageCollector(ArtifactStore store, ComponentCatalog catalog, OperationRegistry registry, DigestCache digests, AgentOptions options, TimeProvider time) : IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);

    /// <summary>For each retained digest, why it is kept.</summary>
    public async Task<IReadOnlyDictionary<string, List<string>>> RetainedAsync(CancellationToken cancellationToken)
    {
        var reasons = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        void Keep(string? digest, string why)
        {
            if (digest is not null)
            {
                (reasons.TryGetValue(digest, out var list) ? list : reasons[digest] = []).Add(why);
            }
        }

        foreach (var component in catalog.Components)
        {
            foreach (var file in component.Files)
            {
                Keep(await digests.DigestAsync(file.Path, cancellationToken), $"{component.Name} current {file.Role}");
            }
        }

        var operations = registry.Query(_ => true);
        foreach (var latest in operations.Where(r => r.Kind is OpKind.Apply or OpKind.Rollback && r.State == OpState.Succeeded && r.Changed).GroupBy(r => r.Component).Select(g => g.First()))
        {
            foreach (var file in latest.Files)
            {
                Keep(file.OldDigest, $"{latest.Component} previous {file.Role} (operation {latest.Id})");
                Keep(file.NewDigest, $"{latest.Component} {file.Role} of operation {latest.Id}");
            }
        }

        foreach (var op in operations.Where(r => !r.IsTerminal))
        {
            foreach (var file in op.Files)
            {
                Keep(file.OldDigest, $"unfinished operation {op.Id}");
                Keep(file.NewDigest, $"unfinished operation {op.Id}");
            }
        }

        foreach (var backup in operations.Where(r => r.Kind == OpKind.Backup && r.State == OpState.Succeeded))
        {
            foreach (var file in backup.Files)
            {
                Keep(file.OldDigest, $"backup {backup.Id} of {backup.Component}");
            }
        }

        var recent = time.GetUtcNow() - TimeSpan.FromHours(options.Store.GcMinAgeHours);
        foreach (var blob in store.List().Where(b => b.StagedAt > recent))
        {
            Keep(blob.Digest, $"staged less than {options.Store.GcMinAgeHours} h ago");
        }

        return reasons;
    }

    public void Dispose() => _gate.Dispose();

    public async Task<GcResult> CollectAsync(bool dryRun, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var retained = await RetainedAsync(cancellationToken);
            var removable = store.List().Where(b => !retained.ContainsKey(b.Digest)).ToList();
            if (!dryRun)
            {
                foreach (var blob in removable)
                {
                    store.Delete(blob.Digest);
                }
            }

            return new GcResult(removable.Select(b => b.Digest).ToList(), removable.Sum(b => b.Size), retained.Count, dryRun);
        }
        finally
        {
            _gate.Release();
        }
    }
}
