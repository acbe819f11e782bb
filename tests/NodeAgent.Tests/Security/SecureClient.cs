using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Grpc.Net.Client;
using NodeAgent.Client.Transport;
using NodeAgent.Contracts.Security;
using NodeAgent.Contracts.V1;
using NodeAgent.Tests.Infrastructure;

namespace NodeAgent.Tests.Security;

/// <summary>gRPC clients for a test node's mutual-TLS listener.</summary>
internal static class SecureClient
{
    /// <summary>A client presenting <paramref name="tls"/>'s certificate and checking the agent's against the CA and <paramref name="serverName"/>.</summary>
    public static (NodeAgentService.NodeAgentServiceClient Client, GrpcChannel Channel) Open(TestNode node, ClientTlsFiles tls, string serverName = TestPki.NodeName)
    {
        var (address, handler) = AgentTransport.Create($"127.0.0.1:{node.Options.TlsPort}", tls, serverName);
        var channel = GrpcChannel.ForAddress(address, new GrpcChannelOptions { HttpHandler = handler, DisposeHttpClient = true });
        return (new NodeAgentService.NodeAgentServiceClient(channel), channel);
    }

    /// <summary>A TLS client that trusts the agent's CA but presents no certificate of its own.</summary>
    public static (NodeAgentService.NodeAgentServiceClient Client, GrpcChannel Channel) Anonymous(TestNode node)
    {
        var roots = TlsFiles.LoadBundle(node.Pki!.CaBundle);
        var handler = new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions
            {
                TargetHost = TestPki.NodeName,
                RemoteCertificateValidationCallback = (_, certificate, _, _) => certificate is X509Certificate2 agent && AgentTransport.CheckAgent(agent, roots, TestPki.NodeName) is null,
            },
        };
        var channel = GrpcChannel.ForAddress($"https://127.0.0.1:{node.Options.TlsPort}", new GrpcChannelOptions { HttpHandler = handler, DisposeHttpClient = true });
        return (new NodeAgentService.NodeAgentServiceClient(channel), channel);
    }
}
