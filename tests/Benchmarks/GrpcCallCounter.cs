using System.Diagnostics.Tracing;

namespace Benchmarks;

/// <summary>Counts the gRPC calls this process starts, from the client's own event source (Grpc.Net.Client, CallStart).</summary>
internal sealed class GrpcCallCounter : EventListener
{
    private long _calls;

    public long Calls => Interlocked.Read(ref _calls);

    protected override void OnEventSourceCreated(EventSource eventSource)
    {
        if (eventSource.Name == "Grpc.Net.Client")
        {
            EnableEvents(eventSource, EventLevel.Verbose);
        }
    }

    protected override void OnEventWritten(EventWrittenEventArgs eventData)
    {
        if (eventData.EventName == "CallStart")
        {
            Interlocked.Increment(ref _calls);
        }
    }
}
