using System.Text;
using Grpc.Core;
using NodeAgent.Contracts.V1;

namespace Footprint;

/// <summary>An agent that restarts with one operation to recover: the start systemd sees after the agent crashed mid-apply.</summary>
internal static class Recovery
{
    /// <summary>
    /// Stages a new stand-in binary and applies it with a failpoint that kills the agent once the old binary is backed
    /// up, then starts the agent again, which must undo the apply before READY=1.
    /// </summary>
    public static async Task<AgentUnderTest> StartWithOneToRecoverAsync(string[] command, string dir, IReadOnlyDictionary<string, string> environment)
    {
        await AgentUnderTest.WriteConfigAsync("recovery", dir, allowFailpoints: true);
        var armed = new Dictionary<string, string>(environment, StringComparer.Ordinal) { ["NODEAGENT_FAILPOINTS"] = "swap.after-backup=kill" };
        await using (var crashing = await AgentUnderTest.StartAsync("aot-crashing", command, dir, armed))
        {
            var digest = await crashing.StageSmallAsync("component-v1.11.0", Encoding.UTF8.GetBytes(AgentUnderTest.Component("v1.11.0")));
            try
            {
                await crashing.Client.ApplyAsync(new ApplyRequest
                {
                    OperationId = "footprint-recovery",
                    Component = "kubelet",
                    TargetVersion = "v1.11.0",
                    Files = { new TargetFile { Role = "binary", Sha256 = digest } },
                });
            }
            catch (RpcException)
            {
                // The agent died under the call: that is the point.
            }

            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            await crashing.WaitForExitAsync(timeout.Token);
        }

        return await AgentUnderTest.StartAsync("aot-recovery", command, dir, environment);
    }
}
