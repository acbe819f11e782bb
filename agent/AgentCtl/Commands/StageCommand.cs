using System.CommandLine;

namespace AgentCtl.Commands;

/// <summary><c>agentctl stage FILE [--name NAME]</c></summary>
internal static class StageCommand
{
    public static Command Build(ConnectionOptions connection)
    {
        var file = new Argument<string>("file") { Description = "Local file to stage, for example ./kubelet" };
        var name = new Option<string?>("--name") { Description = "Artifact name (default: the file name)" };
        var command = new Command("stage", CommandFactory.Describe("Copy a file into the agent's store, verified by SHA-256; sends nothing if it is already there", "agentctl stage ./kubelet-v1.17.0")) { file, name };
        return command.WithAction(connection, async (context, cancellationToken) =>
        {
            var result = await Stager.StageAsync(context, context.Parse.GetValue(file)!, context.Parse.GetValue(name), cancellationToken);
            if (context.Machine)
            {
                context.WriteResult(result);
            }
            else
            {
                context.Out.WriteLine(result.AlreadyPresent
                    ? $"already present: {result.Sha256} ({result.Size} bytes); nothing sent"
                    : $"staged {result.Sha256} ({result.BytesWritten} bytes written)");
            }

            return ExitCodes.Ok;
        });
    }
}
