using dotnet_etcd;
using Etcdserverpb;
using Google.Protobuf;
using Grpc.Core;
using Mvccpb;

namespace NodeAgent.Coordinator.Journal.Etcd;

/// <summary>
/// The few etcd calls the journal and the election make, each with a deadline. A patient store (the leader's) waits
/// out an etcd without quorum, saying so once, and goes on when it answers again: the engine journals before it acts,
/// so while etcd cannot take a write the leader does nothing. An impatient one (status, pause) fails at once.
/// </summary>
internal sealed class EtcdKv(EtcdClient client, EtcdLocation location, TimeProvider time, bool patient, Action<string> say) : IDisposable
{
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan RetryPause = TimeSpan.FromMilliseconds(500);

    public EtcdLocation Location => location;

    public EtcdClient Client => client;

    public static EtcdKv Connect(EtcdLocation location, EtcdTls? tls, TimeProvider time, bool patient, Action<string> say)
    {
        var scheme = tls is null ? "http" : "https";
        var connection = string.Join(',', location.Endpoints.Select(e => $"{scheme}://{e}"));
        var client = new EtcdClient(connection, configureChannelOptions: tls is null ? null : options => options.HttpHandler = tls.Handler());
        return new EtcdKv(client, location, time, patient, say);
    }

    public string Key(params string[] parts) => location.Prefix + "/" + string.Join('/', parts.Select(Uri.EscapeDataString));

    public KeyValue? Get(string key) => Call(deadline => client.Get(key, deadline: deadline)).Kvs.FirstOrDefault();

    /// <summary>Every key under <paramref name="prefix"/> (a key ending in '/'), in key order.</summary>
    public IReadOnlyList<KeyValue> Range(string prefix) => Call(deadline => client.GetRange(prefix, deadline: deadline)).Kvs;

    public TxnResponse Txn(TxnRequest request) => Call(deadline => client.Transaction(request, deadline: deadline));

    public static RequestOp Put(string key, byte[] value, long lease = 0) =>
        new() { RequestPut = new PutRequest { Key = ByteString.CopyFromUtf8(key), Value = ByteString.CopyFrom(value), Lease = lease } };

    public static RequestOp Delete(string key) => new() { RequestDeleteRange = new DeleteRangeRequest { Key = ByteString.CopyFromUtf8(key) } };

    public static RequestOp Read(string key) => new() { RequestRange = new RangeRequest { Key = ByteString.CopyFromUtf8(key) } };

    public static Compare CreatedAt(string key, long revision) =>
        new() { Key = ByteString.CopyFromUtf8(key), Target = Compare.Types.CompareTarget.Create, Result = Compare.Types.CompareResult.Equal, CreateRevision = revision };

    public static Compare ModifiedAt(string key, long revision) =>
        new() { Key = ByteString.CopyFromUtf8(key), Target = Compare.Types.CompareTarget.Mod, Result = Compare.Types.CompareResult.Equal, ModRevision = revision };

    public T Call<T>(Func<DateTime, T> call)
    {
        DateTimeOffset? waitingSince = null;
        while (true)
        {
            try
            {
                var result = call((time.GetUtcNow() + CallTimeout).UtcDateTime);
                if (waitingSince is { } since)
                {
                    say($"etcd at {location} answers again after {(time.GetUtcNow() - since).TotalSeconds:0}s; going on");
                }

                return result;
            }
            catch (RpcException ex) when (ex.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded or StatusCode.Cancelled)
            {
                if (!patient)
                {
                    throw new CoordinatorException($"etcd at {location} does not answer ({ex.StatusCode}: {ex.Status.Detail}); is a quorum of its members up?");
                }

                if (waitingSince is null)
                {
                    waitingSince = time.GetUtcNow();
                    say($"etcd at {location} does not answer ({ex.StatusCode}); paused until it has a quorum again (nothing is done meanwhile)");
                }

                WaitBeforeRetry();
            }
        }
    }

    public void Dispose() => client.Dispose();

    private void WaitBeforeRetry()
    {
        using var done = new ManualResetEventSlim();
        using var timer = time.CreateTimer(_ => done.Set(), null, RetryPause, Timeout.InfiniteTimeSpan);
        done.Wait();
    }
}
