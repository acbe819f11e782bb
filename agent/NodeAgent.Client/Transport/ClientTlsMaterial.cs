using System.Security.Cryptography.X509Certificates;

namespace NodeAgent.Client.Transport;

/// <summary>The loaded client side of mutual TLS: the CA bundle agents must chain to, and this caller's certificate with its key.</summary>
public sealed record ClientTlsMaterial(X509Certificate2Collection Roots, X509Certificate2 Certificate);
