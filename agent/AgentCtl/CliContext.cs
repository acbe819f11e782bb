using System.CommandLine;
using Google.Protobuf;
using Grpc.Net.Client;
using NodeAgent.Contracts.Security;
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

    /// <summary>The node claim service of the same agent.</summary>
    public NodeClaimService.NodeClaimServiceClient Claims => new(_channel ??= OpenChannel());

    /// <summary>Writes a message as JSON (one document on stdout) in -o json mode.</summary>
    public void WriteJson(IMessage message) => Out.WriteLine(JsonFormatter.Format(message));

    public static readonly JsonFormatter JsonFormatter = new(JsonFormatter.Settings.Default.WithFormatDefaultValues(true).WithIndentation());

    public void Dispose() => _channel?.Dispose();

    private GrpcChannel OpenChannel()
    {
        var address = Parse.GetValue(globals.Node) is { Length: > 0 } node ? node : "unix:" + Parse.GetValue(globals.Socket);
        var tls = (Parse.GetValue(globals.TlsCa), Parse.GetValue(globals.TlsCert), Parse.GetValue(globals.TlsKey)) switch
        {
            ({ Length: > 0 } ca, { Length: > 0 } cert, { Length: > 0 } key) => new ClientTlsFiles(ca, cert, key),
            (null or "", null or "", null or "") => null,
            _ => throw new IOException("--tls-ca, --tls-cert and --tls-key go together: give all three, or none for the local socket"),
        };
        var (uri, handler) = AgentTransport.Create(address, tls, Parse.GetValue(globals.ServerName));
        return GrpcChannel.ForAddress(uri, new GrpcChannelOptions { HttpHandler = handler, MaxReceiveMessageSize = 16 * 1024 * 1024, DisposeHttpClient = true });
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
        Description = "A remote agent as host:port: mutual TLS with --tls-ca/--tls-cert/--tls-key, else plaintext (agents accept that on loopback only)",
        Recursive = true,
    };

    public Option<string?> TlsCa { get; } = EnvOption("--tls-ca", "NODEAGENT_TLS_CA", "PEM bundle of the CA that signed the agents' certificates");

    public Option<string?> TlsCert { get; } = EnvOption("--tls-cert", "NODEAGENT_TLS_CERT", "Your client certificate (PEM); its OU is your role");

    public Option<string?> TlsKey { get; } = EnvOption("--tls-key", "NODEAGENT_TLS_KEY", "The private key of --tls-cert (PEM)");

    public Option<string?> ServerName { get; } = new("--server-name")
    {
        Description = "The node name the agent's certificate must carry (default: the host of --node)",
        Recursive = true,
    };

    public IEnumerable<Option> All => [Socket, Node, TlsCa, TlsCert, TlsKey, ServerName, Output];

    private static Option<string?> EnvOption(string name, string variable, string description) => new(name)
    {
        Description = $"{description} (or ${variable})",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable(variable) is { Length: > 0 } value ? value : null,
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
