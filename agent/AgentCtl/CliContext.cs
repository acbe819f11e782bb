using System.CommandLine;
using Google.Protobuf;
using Grpc.Net.Client;
using NodeAgent.Client.Transport;
using NodeAgent.CommandLine;
using NodeAgent.Contracts.V1;

namespace AgentCtl;

/// <summary>What every command that talks to an agent needs: where it is, how to print, and the output streams.</summary>
internal sealed class CliContext(ParseResult parse, ConnectionOptions connection) : IDisposable
{
    private GrpcChannel? _channel;
    private AgentAddress? _address;

    public TextWriter Out { get; } = parse.InvocationConfiguration.Output;

    public TextWriter Err { get; } = parse.InvocationConfiguration.Error;

    public OutputFormat Format { get; } = parse.GetValue(connection.Output);

    /// <summary>JSON or YAML: stdout holds only the result.</summary>
    public bool Machine => ResultWriter.IsMachine(Format);

    public bool Wide => Format == OutputFormat.Wide;

    public ParseResult Parse { get; } = parse;

    /// <summary>The agent's address as the operator would write it, for messages.</summary>
    public AgentAddress Address => _address ??= ResolveAddress();

    public NodeAgentService.NodeAgentServiceClient Client => new(_channel ??= OpenChannel());

    /// <summary>The node claim service of the same agent.</summary>
    public NodeClaimService.NodeClaimServiceClient Claims => new(_channel ??= OpenChannel());

    /// <summary>Writes a result as JSON or YAML on stdout.</summary>
    public void WriteResult(IMessage message) => ResultWriter.Write(Out, Format, message);

    /// <summary>A digest as the human views show it: shortened, or whole with <c>-o wide</c>.</summary>
    public string Digest(string digest) => Wide ? (digest.Length == 0 ? "(none)" : digest) : OperationPrinter.Short(digest);

    public void Dispose() => _channel?.Dispose();

    private AgentAddress ResolveAddress()
    {
        if (connection.Get(Parse, connection.Address) is { Length: > 0 } text)
        {
            if (connection.TypedAddressName(Parse) == "--node")
            {
                Err.WriteLine("agentctl: warning: --node is deprecated and will be removed; use --address (same syntax)");
            }

            return AgentAddress.TryParse(text, out var address, out var error)
                ? address!
                : throw new CliFailure($"--address {ErrorWriter.OneLine(text)}: {error}", ExitCodes.Usage, "write unix:/path, host:port or [v6]:port");
        }

        return AgentAddress.Unix(connection.Get(Parse, connection.Socket)!);
    }

    private GrpcChannel OpenChannel()
    {
        var tls = (connection.Get(Parse, connection.TlsCa), connection.Get(Parse, connection.TlsCert), connection.Get(Parse, connection.TlsKey)) switch
        {
            ({ Length: > 0 } ca, { Length: > 0 } cert, { Length: > 0 } key) => new ClientTlsFiles(Path.GetFullPath(ca), Path.GetFullPath(cert), Path.GetFullPath(key)),
            (null or "", null or "", null or "") => null,
            _ => throw new CliFailure("--tls-ca, --tls-cert and --tls-key go together", ExitCodes.Usage, "give all three for a remote agent, or none for the local socket"),
        };
        if (tls is null && Address.SocketPath is null && !Address.IsLocal)
        {
            Err.WriteLine($"agentctl: warning: {Address} is not on this machine and no client certificate was given: the call goes out as plaintext, and agents refuse plaintext off loopback (pass --tls-ca, --tls-cert and --tls-key)");
        }

        var (uri, handler) = AgentTransport.Create(Address, tls, connection.Get(Parse, connection.ServerName));
        return GrpcChannel.ForAddress(uri, new GrpcChannelOptions { HttpHandler = handler, MaxReceiveMessageSize = 16 * 1024 * 1024, DisposeHttpClient = true });
    }
}
