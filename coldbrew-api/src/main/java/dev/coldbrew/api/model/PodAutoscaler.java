package dev.coldbrew.api.model;

/**
 * Knative's PodAutoscaler: per Revision, its reachability in spec and its desired and actual scale
 * in status.
 */
public class PodAutoscaler extends Resource {
  public static final String REACHABLE = "Reachable";
  public static final String UNREACHABLE = "Unreachable";
  public static final String REACHABILITY_UNKNOWN = "";

  public Spec spec = new Spec();
  public PodAutoscalerStatus status;

  public PodAutoscaler() {
    super(Kind.POD_AUTOSCALER);
  }

  @Override
  public Kind resourceKind() {
    return Kind.POD_AUTOSCALER;
  }

  @Override
  public Status status() {
    return status;
  }

  /** What is scaled, whether it has traffic, and its protocol. */
  public static class Spec {
    public ObjectReference scaleTargetRef;
    public String reachability;
    public String protocolType;
  }

  /** Desired and actual scale, and the services that carry the revision's traffic. */
  public static class PodAutoscalerStatus extends Status {
    public String serviceName;
    public String metricsServiceName;
    public Integer desiredScale;
    public Integer actualScale;
  }

  /** A reference to the scaled object. */
  public static class ObjectReference {
    public String apiVersion;
    public String kind;
    public String name;
  }
}
