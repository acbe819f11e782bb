using NodeAgent.Configuration;
using NodeAgent.Testing;

namespace NodeAgent.Tests.Configuration;

[Trait("Category", "CrashConsistency")]
public sealed class FailpointsTests
{
    [Fact]
    public void Failpoints_ArmedWithoutTestingSwitch_RefuseToStart()
    {
        var error = Assert.Throws<AgentConfigException>(() => new Failpoints("swap.after-prepared=kill", allowed: false));

        Assert.Contains("Testing:AllowFailpoints", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("no.such.point=kill")]
    [InlineData("swap.after-prepared=explode")]
    [InlineData("swap.after-prepared")]
    public void Failpoints_Malformed_RefuseToStartNamingTheValidOnes(string spec)
    {
        var error = Assert.Throws<AgentConfigException>(() => new Failpoints(spec, allowed: true));

        Assert.Contains("swap.after-rename", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Hit_UnarmedPoint_DoesNothingAndArmedErrorThrows()
    {
        var failpoints = new Failpoints("swap.after-backup=error", allowed: true);

        failpoints.Hit(Failpoints.SwapAfterPrepared);

        Assert.Throws<IOException>(() => failpoints.Hit(Failpoints.SwapAfterBackup));
    }
}
