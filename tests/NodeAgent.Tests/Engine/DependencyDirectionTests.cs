using NodeAgent.Tests.Cli;

namespace NodeAgent.Tests.Engine;

/// <summary>The coordinator's folders depend on each other in one direction only (docs/development/coordinator-layout.md).</summary>
[Trait("Category", "EngineRules")]
public sealed class DependencyDirectionTests
{
    [Theory]
    [InlineData("Journal", "NodeAgent.Coordinator.Engine")]
    [InlineData("Journal", "NodeAgent.Coordinator.Cli")]
    [InlineData("Demo", "NodeAgent.Coordinator.Cli")]
    [InlineData("Engine", "NodeAgent.Coordinator.Cli")]
    [InlineData("Engine", "NodeAgent.Coordinator.Progress")]
    [InlineData("Engine", "NodeAgent.Coordinator.Composition")]
    public void Folder_Sources_NeverUseTheNamespace(string folder, string forbidden)
    {
        var root = Path.Combine(DocExamplesTests.RepositoryRoot(), "coordinator", "NodeAgent.Coordinator", folder);

        var offenders = Directory.EnumerateFiles(root, "*.cs", SearchOption.AllDirectories)
            .Where(f => File.ReadLines(f).Any(l => l.StartsWith($"using {forbidden};", StringComparison.Ordinal) || l.Contains(forbidden + ".", StringComparison.Ordinal)))
            .Select(f => Path.GetRelativePath(root, f))
            .ToList();

        Assert.Empty(offenders);
    }
}
