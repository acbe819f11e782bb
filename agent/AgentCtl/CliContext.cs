using System.CommandLine;
using Google.Protobuf;
using Grpc.Net.Client;
using NodeAgent.Contracts;
using NodeAgent.Contracts.V1;

namespace AgentCtl;

/// <summary>What every command needs: where the agent is, how to print, and the output streams.</summary>
internal sealed class CliContext(ParseResult parse, GlobalOptions globals) : IDisposable
{
    private GrpcChannel? _channel;

    public TextWriter Out { get; } = parse.InvocationConfiguration.Output;

    public TextWriter Err { get; } = parse.InvocationConfiguration.Error;

    public bool Json { get; } = parse.GetValue(globals.Output) == "json";

    public ParseResult Parse { get; } = parse;

    public NodeAgentService.NodeAgentServiceClient Client => new(_channel ??= OpenChannel());

    /// <summary>Writes a message as JSON (one document on stdout) in -o json mode.</summary>
    public void WriteJson(IMessage message) => Out.WriteLine(JsonFormatter.Format(message));

    public static readonly JsonFormatter JsonFormatter = new(JsonFormatter.Settings.Default.WithFormatDefaultValues(true).WithIndentation());

    public void Dispose() => _channel?.Dispose();

    private GrpcChannel OpenChannel()
    {
        if (Parse.GetValue(globals.Node) is { Length: > 0 } node)
        {
            return GrpcChannel.ForAddress($"http://{node}");
        }

        var handler = UnixSocketHandler.Create(Parse.GetValue(globals.Socket)!);
        return GrpcChannel.ForAddress("http://localhost", new GrpcChannelOptions { HttpHandler = handler, MaxReceiveMessageSize = 16 * 1024 * 1024 });
    }
}

/// <summary>Options every command accepts.</summary>
internal sealed class GlobalOptions
{
    public Option<string> Socket { get; } = new("--socket")
    {
        Description = "The local agent's Unix socket",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("NODEAGENT_SOCKET") is { Length: > 0 } s ? s : "/run/nodeagent/agent.sock",
        Recursive = true,
    };

    public Option<string?> Node { get; } = new("--node")
    {
        Description = "A remote agent as host:port (plaintext loopback in this version; mutual TLS comes with the security work)",
        Recursive = true,
    };

    public Option<string> Output { get; } = new("--output", "-o")
    {
        Description = "human (default) or json: only JSON on stdout, progress on stderr",
        DefaultValueFactory = _ => "human",
        Recursive = true,
    };

    public GlobalOptions() => Output.AcceptOnlyFromAmong("human", "json");
}
