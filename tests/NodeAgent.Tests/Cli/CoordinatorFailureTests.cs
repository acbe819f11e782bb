using NodeAgent.Coordinator.Cli;
using NodeAgent.Coordinator.Journal;
using NodeAgent.Tests.Coordinator;
using NodeAgent.Tests.Infrastructure;

namespace NodeAgent.Tests.Cli;

/// <summary>A <c>CoordinatorException</c> from the journal reaches the command line as one line and exit code 4, in every command.</summary>
[Trait("Category", "Cli")]
public sealed class CoordinatorFailureTests : IDisposable
{
    private readonly TempDir _dir = new();

    [Fact]
    public async Task JournalImport_RolloutAlreadyInTheJournal_OneLineAndExitCode4()
    {
        var file = Export();

        var again = await FleetFixture.CoordinatorOnAsync(_dir.Combine("journal.db"), "journal", "import", file);

        Assert.Equal(ExitCodes.Refused, again.ExitCode);
        var line = Assert.Single(again.Err.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith($"{CoordinatorCli.Program}: ", line, StringComparison.Ordinal);
        Assert.EndsWith("already holds a rollout r1; import it into another journal, or remove that one first", line, StringComparison.Ordinal);
    }

    public void Dispose() => _dir.Dispose();

    private string Export()
    {
        using (var journal = new RolloutJournal(_dir.Combine("journal.db"), TimeProvider.System))
        {
            journal.CreateRollout("r1", "digest", "/plan.yaml", "v1.17.0", [("node-a", "worker")]);
        }

        var file = _dir.Combine("r1.json");
        Assert.Equal(ExitCodes.Ok, FleetFixture.CoordinatorOnAsync(_dir.Combine("journal.db"), "journal", "export", "r1", "-f", file).GetAwaiter().GetResult().ExitCode);
        return file;
    }
}
