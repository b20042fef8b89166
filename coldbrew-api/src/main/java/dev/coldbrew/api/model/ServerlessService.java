package dev.coldbrew.api.model;

/**
 * Knative's ServerlessService (SKS): per Revision, whether its public endpoints are the activator
 * ({@code Proxy}) or its instances ({@code Serve}).
 */
public class ServerlessService extends Resource {
  public static final String MODE_PROXY = "Proxy";
  public static final String MODE_SERVE = "Serve";

  public Spec spec = new Spec();
  public SksStatus status;

  public ServerlessService() {
    super(Kind.SERVERLESS_SERVICE);
  }

  @Override
  public Kind resourceKind() {
    return Kind.SERVERLESS_SERVICE;
  }

  @Override
  public Status status() {
    return status;
  }

  /** The mode and how many activators should be in the path. */
  public static class Spec {
    public String mode;
    public PodAutoscaler.ObjectReference objectRef;
    public String protocolType;
    public Integer numActivators;
  }

  /** The names of the public and private endpoint sets. */
  public static class SksStatus extends Status {
    public String serviceName;
    public String privateServiceName;
  }
}
