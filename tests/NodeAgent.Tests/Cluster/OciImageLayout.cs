using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;

namespace NodeAgent.Tests.Cluster;

/// <summary>
/// Builds a one-layer OCI image-layout tar (oci-layout, index.json, blobs/sha256/...) holding Debian's static
/// busybox with sleep and sh links, for <c>ctr images import</c>: no registry is needed.
/// </summary>
internal static class OciImageLayout
{
    public const string Busybox = "/bin/busybox";

    public static void Write(string tarPath, string reference)
    {
        var layerTar = LayerTar();
        var layerGz = Gzip(layerTar);
        var config = Json($$$"""
            {"architecture":"amd64","os":"linux","config":{"Entrypoint":["/bin/sleep"],"Cmd":["86400"]},"rootfs":{"type":"layers","diff_ids":["sha256:{{{Sha(layerTar)}}}"]}}
            """);
        var manifest = Json($$$"""
            {"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",
             "config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:{{{Sha(config)}}}","size":{{{config.Length}}}},
             "layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"sha256:{{{Sha(layerGz)}}}","size":{{{layerGz.Length}}}}]}
            """);
        var index = Json($$$"""
            {"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:{{{Sha(manifest)}}}","size":{{{manifest.Length}}},
             "annotations":{"org.opencontainers.image.ref.name":"{{{reference}}}"}}]}
            """);

        using var output = File.Create(tarPath);
        using var tar = new TarWriter(output, TarEntryFormat.Pax);
        AddFile(tar, "oci-layout", Json("""{"imageLayoutVersion":"1.0.0"}"""));
        AddFile(tar, "index.json", index);
        foreach (var blob in new[] { layerGz, config, manifest })
        {
            AddFile(tar, $"blobs/sha256/{Sha(blob)}", blob);
        }
    }

    private static byte[] LayerTar()
    {
        using var buffer = new MemoryStream();
        using (var tar = new TarWriter(buffer, TarEntryFormat.Pax, leaveOpen: true))
        {
            tar.WriteEntry(new PaxTarEntry(TarEntryType.Directory, "bin/") { Mode = Mode("755") });
            AddFile(tar, "bin/busybox", File.ReadAllBytes(Busybox), Mode("755"));
            foreach (var link in new[] { "sleep", "sh" })
            {
                tar.WriteEntry(new PaxTarEntry(TarEntryType.SymbolicLink, $"bin/{link}") { LinkName = "busybox", Mode = Mode("777") });
            }
        }

        return buffer.ToArray();
    }

    private static void AddFile(TarWriter tar, string name, byte[] content, UnixFileMode? mode = null)
    {
        tar.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(content), Mode = mode ?? Mode("644") });
    }

    private static byte[] Gzip(byte[] data)
    {
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(data);
        }

        return buffer.ToArray();
    }

    private static UnixFileMode Mode(string octal) => (UnixFileMode)Convert.ToInt32(octal, 8);

    private static byte[] Json(string text) => Encoding.UTF8.GetBytes(text.ReplaceLineEndings(""));

    private static string Sha(byte[] data) => Convert.ToHexStringLower(SHA256.HashData(data));
}
