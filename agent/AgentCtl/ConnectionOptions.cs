using System.CommandLine;
using System.CommandLine.Parsing;
using NodeAgent.CommandLine;

namespace AgentCtl;

/// <summary>
/// The options of every command that talks to an agent: where it is, the client certificate, and the output format.
/// They sit on those commands only (not on <c>certs</c> or <c>completion</c>). The same flags before the subcommand
/// (<c>agentctl --socket S status</c>, as the first release took them) are still read, but no longer offered.
/// </summary>
internal sealed class ConnectionOptions
{
    public const string DefaultSocket = "/run/nodeagent/agent.sock";

    private readonly List<(Option Local, Option Root)> _pairs = [];

    public ConnectionOptions()
    {
        Address = Pair(() => new Option<string?>("--address", "--node")
        {
            Description = "The agent: unix:/path, host:port or [v6]:port; TCP uses mutual TLS with --tls-ca/--tls-cert/--tls-key (--node is the deprecated name)",
        });
        Socket = Pair(() => new Option<string>("--socket")
        {
            Description = "The local agent's Unix socket, when no --address is given (or $NODEAGENT_SOCKET)",
            DefaultValueFactory = _ => Environment.GetEnvironmentVariable("NODEAGENT_SOCKET") is { Length: > 0 } s ? s : DefaultSocket,
        });
        TlsCa = Pair(() => EnvOption("--tls-ca", "NODEAGENT_TLS_CA", "PEM bundle of the CA that signed the agents' certificates"));
        TlsCert = Pair(() => EnvOption("--tls-cert", "NODEAGENT_TLS_CERT", "Your client certificate (PEM); its OU is your role"));
        TlsKey = Pair(() => EnvOption("--tls-key", "NODEAGENT_TLS_KEY", "The private key of --tls-cert (PEM)"));
        ServerName = Pair(() => new Option<string?>("--server-name") { Description = "The node name the agent's certificate must carry (default: the host of --address)" });
        Output = OutputFormats.Create();
    }

    public Option<string?> Address { get; }

    public Option<string> Socket { get; }

    public Option<string?> TlsCa { get; }

    public Option<string?> TlsCert { get; }

    public Option<string?> TlsKey { get; }

    public Option<string?> ServerName { get; }

    public Option<OutputFormat> Output { get; }

    /// <summary>Offers the options on a command that talks to an agent.</summary>
    public void AddTo(Command command)
    {
        foreach (var (local, _) in _pairs)
        {
            command.Options.Add(local);
        }

        command.Options.Add(Output);
    }

    /// <summary>Accepts (without offering) the connection options before the subcommand.</summary>
    public void AddLegacyTo(RootCommand root)
    {
        foreach (var (_, legacy) in _pairs)
        {
            root.Options.Add(legacy);
        }
    }

    /// <summary>The value given after the subcommand, else before it, else the default.</summary>
    public T? Get<T>(ParseResult parse, Option<T> option)
    {
        var root = (Option<T>)_pairs.Single(p => ReferenceEquals(p.Local, option)).Root;
        return Given(parse.GetResult(option)) || !Given(parse.GetResult(root)) ? parse.GetValue(option) : parse.GetValue(root);
    }

    /// <summary>Which name the operator typed for <paramref name="option"/> (to warn about a deprecated one).</summary>
    public static string? TypedName(ParseResult parse, Option option) => parse.GetResult(option) is { Implicit: false } result ? result.IdentifierToken?.Value : null;

    /// <summary>The name typed for the address, after or before the subcommand.</summary>
    public string? TypedAddressName(ParseResult parse) =>
        TypedName(parse, Address) ?? TypedName(parse, _pairs.Single(p => ReferenceEquals(p.Local, Address)).Root);

    private static bool Given(OptionResult? result) => result is { Implicit: false };

    private Option<T> Pair<T>(Func<Option<T>> create)
    {
        var local = create();
        var legacy = create();
        legacy.Hidden = true;
        _pairs.Add((local, legacy));
        return local;
    }

    private static Option<string?> EnvOption(string name, string variable, string description) => new(name)
    {
        Description = $"{description} (or ${variable})",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable(variable) is { Length: > 0 } value ? value : null,
    };
}
