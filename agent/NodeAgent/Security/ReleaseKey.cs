using System.Security.Cryptography;
using NodeAgent.Configuration;
using NodeAgent.Contracts.Security;
using NodeAgent.Operations;
using V1 = NodeAgent.Contracts.V1;

namespace NodeAgent.Security;

/// <summary>
/// When Security:ReleasePublicKey is set, an Apply must carry an unexpired release manifest signed by that key, for
/// its target version, listing every (component, file role, digest) it installs. Checksums prove the bytes arrived
/// intact; the signature proves the release team chose them, for that slot, until the expiry.
/// </summary>
internal sealed class ReleaseKey : IDisposable
{
    private readonly ECDsa? _key;
    private readonly TimeProvider _time;

    public ReleaseKey(AgentOptions options, TimeProvider time)
    {
        _time = time;
        if (options.Security.ReleasePublicKey is { Length: > 0 } path)
        {
            _key = Load(path);
        }
    }

    /// <summary>Reads a PEM public key; throws <see cref="CryptographicException"/> when it is not ECDSA P-256.</summary>
    public static ECDsa Load(string path)
    {
        var key = ECDsa.Create();
        try
        {
            key.ImportFromPem(File.ReadAllText(path));
            if (key.KeySize != 256)
            {
                throw new CryptographicException($"{path}: the release key must be ECDSA P-256, not a {key.KeySize}-bit key");
            }

            return key;
        }
        catch (ArgumentException ex)
        {
            key.Dispose();
            throw new CryptographicException($"{path}: not a PEM public key ({ex.Message})", ex);
        }
        catch
        {
            key.Dispose();
            throw;
        }
    }

    public void Check(V1.ApplyRequest request)
    {
        if (_key is null)
        {
            return;
        }

        if (request.SignedManifest is not { } signed || signed.Manifest.IsEmpty)
        {
            throw new AgentException(AgentErrorKind.PermissionDenied, "signed_manifest: this agent only applies releases signed with its release key; add the plan's signature (nodeagent-coordinator sign) or agentctl apply --manifest/--signature");
        }

        ReleaseManifest manifest;
        try
        {
            manifest = ReleaseManifest.Verify(signed.Manifest.Span, signed.Signature.Span, _key);
        }
        catch (FormatException ex)
        {
            throw new AgentException(AgentErrorKind.PermissionDenied, $"signed_manifest: {ex.Message}");
        }

        if (manifest.Version != request.TargetVersion)
        {
            throw new AgentException(AgentErrorKind.PermissionDenied, $"signed_manifest: it is for version {manifest.Version}, not the requested {Validation.InputRules.Shorten(request.TargetVersion)}");
        }

        if (manifest.Expires <= _time.GetUtcNow())
        {
            throw new AgentException(AgentErrorKind.PermissionDenied, $"signed_manifest: the signature expired at {manifest.Expires:u}; sign the plan again");
        }

        var unsigned = request.Files.Where(f => !manifest.Allows(request.Component, f.Role, f.Sha256)).Select(f => f.Role).ToList();
        if (unsigned.Count > 0)
        {
            throw new AgentException(AgentErrorKind.PermissionDenied, $"signed_manifest: it does not list {string.Join(", ", unsigned.Select(r => $"{Validation.InputRules.Shorten(request.Component)} {Validation.InputRules.Shorten(r)}"))} with the requested digest");
        }
    }

    public void Dispose() => _key?.Dispose();
}
