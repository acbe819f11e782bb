namespace NodeAgent.Configuration;

/// <summary>Optional parts of the gRPC API, off unless configured (each costs memory and start time on every node).</summary>
internal sealed class ApiOptions
{
    /// <summary>
    /// gRPC server reflection (grpc.reflection.v1alpha) on the gRPC listeners, for grpcurl and similar tools without
    /// the .proto files; gated by role like every other call (monitor and up).
    /// </summary>
    public bool Reflection { get; set; }
}
