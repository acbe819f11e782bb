using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace NodeAgent.Coordinator.Journal.Etcd;

/// <summary>The etcd client's TLS files (<c>--etcd-cacert</c>, <c>--etcd-cert</c>, <c>--etcd-key</c>, as etcdctl names them).</summary>
internal sealed record EtcdTls(string CaFile, string? CertFile, string? KeyFile)
{
    /// <summary>An HTTP handler that trusts only <see cref="CaFile"/> and presents the client certificate, when given.</summary>
    public SocketsHttpHandler Handler()
    {
        var ca = X509CertificateLoader.LoadCertificateFromFile(CaFile);
        var handler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true };
        handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
        {
            if (certificate is null || (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) != SslPolicyErrors.None)
            {
                return false;
            }

            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.Add(ca);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            return chain.Build(X509CertificateLoader.LoadCertificate(certificate.GetRawCertData()));
        };
        if (CertFile is not null && KeyFile is not null)
        {
            handler.SslOptions.ClientCertificates = [X509Certificate2.CreateFromPemFile(CertFile, KeyFile)];
        }

        return handler;
    }
}
