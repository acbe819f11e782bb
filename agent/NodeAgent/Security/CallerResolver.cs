using System.Formats.Asn1;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Http;
using NodeAgent.Configuration;

namespace NodeAgent.Security;

/// <summary>Turns a call's transport facts (Unix peer, client certificate, plaintext loopback) into a caller and role.</summary>
internal sealed class CallerResolver(AgentOptions options, LocalPeers peers, ServerTls tls)
{
    private const string OuOid = "2.5.4.11";
    private const string CnOid = "2.5.4.3";
    private const string SanOid = "2.5.29.17";

    private readonly uint? _socketGroup = options.Security.SocketGroup is { Length: > 0 } group ? LocalPeers.ResolveGroup(group) : null;
    private readonly AgentRole _plaintextRole = AgentRoles.TryParse(options.Security.PlaintextRole, out var role) ? role : AgentRole.Monitor;

    public CallerIdentity Resolve(HttpContext context)
    {
        var connection = context.Connection;
        if (peers.TryGet(connection.Id, out var peer))
        {
            return Local(peer);
        }

        if (connection.ClientCertificate is { } certificate)
        {
            return tls.RecheckClient(certificate) is { } invalid
                ? new CallerIdentity(SubjectOf(certificate), CallerIdentity.MutualTls, null, invalid)
                : FromCertificate(certificate);
        }

        var address = connection.RemoteIpAddress;
        return options.Listeners.Tcp is { Enabled: true, Plaintext: true } && address is not null && System.Net.IPAddress.IsLoopback(address)
            ? new CallerIdentity($"plaintext {address}", CallerIdentity.Plaintext, _plaintextRole, null)
            : new CallerIdentity($"unauthenticated {address}", CallerIdentity.Plaintext, null, "no client certificate was presented");
    }

    private CallerIdentity Local(PeerCredential? peer)
    {
        if (peer is null)
        {
            return new CallerIdentity("unix peer (unknown)", CallerIdentity.Unix, null, "the kernel did not report the peer's credentials");
        }

        var name = $"uid={peer.Uid} pid={peer.Pid}";
        if (peer.Uid == 0 || (_socketGroup is { } gid && LocalPeers.InGroup(peer, gid)))
        {
            return new CallerIdentity(name, CallerIdentity.Unix, AgentRole.Admin, null) { LimitKey = $"uid={peer.Uid}" };
        }

        var allowed = _socketGroup is null ? "root" : $"root or members of group {options.Security.SocketGroup}";
        return new CallerIdentity(name, CallerIdentity.Unix, null, $"uid {peer.Uid} may not use the agent's socket; only {allowed} may");
    }

    private CallerIdentity FromCertificate(X509Certificate2 certificate)
    {
        var subject = SubjectOf(certificate);
        var ous = OrganizationalUnits(certificate).ToList();
        if (options.Security.RoleMapping.Count == 0)
        {
            var roles = ous.Where(ou => AgentRoles.TryParse(ou, out _)).Distinct(StringComparer.Ordinal).ToList();
            return roles.Count switch
            {
                1 when AgentRoles.TryParse(roles[0], out var role) => new CallerIdentity(subject, CallerIdentity.MutualTls, role, null),
                0 => new CallerIdentity(subject, CallerIdentity.MutualTls, null, $"certificate \"{subject}\" has no OU naming a role ({AgentRoles.Names})"),
                _ => new CallerIdentity(subject, CallerIdentity.MutualTls, null, $"certificate \"{subject}\" names {roles.Count} roles in its OUs ({string.Join(", ", roles)}); a certificate must name exactly one"),
            };
        }

        var cn = Attributes(certificate, CnOid).FirstOrDefault();
        var uris = UriNames(certificate).ToList();
        foreach (var rule in options.Security.RoleMapping)
        {
            var matches = (rule.Ou is { Length: > 0 } o && ous.Contains(o, StringComparer.Ordinal))
                || (rule.Cn is { Length: > 0 } c && c == cn)
                || (rule.Uri is { Length: > 0 } u && uris.Contains(u, StringComparer.Ordinal));
            if (matches && AgentRoles.TryParse(rule.Role, out var role))
            {
                return new CallerIdentity(subject, CallerIdentity.MutualTls, role, null);
            }
        }

        return new CallerIdentity(subject, CallerIdentity.MutualTls, null, $"no Security:RoleMapping rule matches certificate \"{subject}\"");
    }

    /// <summary>The certificate's subject as callers, logs and the audit trail see it: escaped and bounded.</summary>
    public static string SubjectOf(X509Certificate2 certificate) => Validation.InputRules.Escape(certificate.Subject, 256);

    private static IEnumerable<string> OrganizationalUnits(X509Certificate2 certificate) => Attributes(certificate, OuOid);

    /// <summary>The values of one attribute type in the subject (not GetNameInfo, which falls back to other attributes).</summary>
    private static IEnumerable<string> Attributes(X509Certificate2 certificate, string oid) =>
        certificate.SubjectName.EnumerateRelativeDistinguishedNames()
            .Where(rdn => rdn.HasMultipleElements is false && rdn.GetSingleElementType().Value == oid)
            .Select(rdn => rdn.GetSingleElementValue() ?? "");

    /// <summary>The URI entries of the subject alternative name extension (GeneralName tag [6]).</summary>
    public static IEnumerable<string> UriNames(X509Certificate2 certificate)
    {
        var extension = certificate.Extensions.FirstOrDefault(e => e.Oid?.Value == SanOid);
        if (extension is null)
        {
            return [];
        }

        var uriTag = new Asn1Tag(TagClass.ContextSpecific, 6);
        var names = new List<string>();
        var sequence = new AsnReader(extension.RawData, AsnEncodingRules.DER).ReadSequence();
        while (sequence.HasData)
        {
            if (sequence.PeekTag().HasSameClassAndValue(uriTag))
            {
                names.Add(sequence.ReadCharacterString(UniversalTagNumber.IA5String, uriTag));
            }
            else
            {
                sequence.ReadEncodedValue();
            }
        }

        return names;
    }
}
