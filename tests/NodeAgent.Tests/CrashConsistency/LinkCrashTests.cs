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

    /// <summary>In the directory layout every file of the apply is under the link: no plain file is renamed (the link rename is its step).</summary>
    public static TheoryData<InstallLayout, string> ApplySteps() => Cases((layout, f) =>
        (f.StartsWith("swap.", StringComparison.Ordinal) || f.StartsWith("link.swap.", StringComparison.Ordinal))
        && !(layout == InstallLayout.DirectoryLink && f == Failpoints.SwapAfterRename));

    /// <summary>An explicit rollback creates and writes nothing under a link (the old place is still there); it only renames the link back.</summary>
    public static TheoryData<InstallLayout, string> RollbackSteps() => Cases((layout, f) =>
        (f.StartsWith("swap.", StringComparison.Ordinal) || f == Failpoints.SwapAfterLinkRename)
        && !(layout == InstallLayout.DirectoryLink && f is Failpoints.SwapAfterRename or Failpoints.SwapAfterWriteFile));

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

    private static TheoryData<InstallLayout, string> Cases(Func<InstallLayout, string, bool> steps)
    {
        var data = new TheoryData<InstallLayout, string>();
        foreach (var layout in Layouts)
        {
            foreach (var failpoint in Failpoints.All.Where(f => steps(layout, f)))
            {
                data.Add(layout, failpoint);
            }
        }

        return data;
    }
}
