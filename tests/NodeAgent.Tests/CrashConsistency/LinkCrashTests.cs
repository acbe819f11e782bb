using NodeAgent.Testing;
using NodeAgent.Tests.Infrastructure;

namespace NodeAgent.Tests.CrashConsistency;

/// <summary>
/// kill -9 of the agent at every step of an apply and of an explicit rollback on both link layouts; started again,
/// the node must satisfy every crash invariant, the link included (<see cref="CrashInvariants.LayoutProblems"/>).
/// </summary>
[Trait("Category", "ApplyEdgeCases")]
public sealed class LinkCrashTests
{
    private static readonly InstallLayout[] Layouts = [InstallLayout.FileLink, InstallLayout.DirectoryLink];

    public static TheoryData<InstallLayout, string> ApplySteps() => Cases(f => f.StartsWith("swap.", StringComparison.Ordinal) || f.StartsWith("link.swap.", StringComparison.Ordinal));

    /// <summary>An explicit rollback creates nothing (the old place is still there), so it never passes link.swap.after-place.</summary>
    public static TheoryData<InstallLayout, string> RollbackSteps() => Cases(f => f.StartsWith("swap.", StringComparison.Ordinal) || f == Failpoints.SwapAfterLinkRename);

    [Theory]
    [MemberData(nameof(ApplySteps))]
    public async Task Apply_LinkLayoutAgentKilledAtStep_NodeConsistentAndLinkAsItWasOrSwapped(InstallLayout layout, string failpoint)
    {
        var problems = await CrashSuiteTests.ApplyCaseAsync(failpoint, "kubelet-v1.17.0", "v1.17.0", [], layout);

        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Theory]
    [MemberData(nameof(RollbackSteps))]
    public async Task Rollback_LinkLayoutAgentKilledAtStep_NodeConsistentAndLinkAsItWasOrRestored(InstallLayout layout, string failpoint)
    {
        var problems = await CrashSuiteTests.ExplicitRollbackCaseAsync(failpoint, [], layout);

        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    private static TheoryData<InstallLayout, string> Cases(Func<string, bool> steps)
    {
        var data = new TheoryData<InstallLayout, string>();
        foreach (var layout in Layouts)
        {
            foreach (var failpoint in Failpoints.All.Where(steps))
            {
                data.Add(layout, failpoint);
            }
        }

        return data;
    }
}
