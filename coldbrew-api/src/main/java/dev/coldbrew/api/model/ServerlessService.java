package dev.coldbrew.api.model;

import java.time.Clock;

/**
 * Knative's ServerlessService (SKS): per Revision, whether its public endpoints are the activator
 * ({@code Proxy}) or its instances ({@code Serve}).
 */
public class ServerlessService extends Resource {
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

  @Override
  public SksStatus ensureStatus() {
    if (status == null) {
      status = new SksStatus();
    }
    return status;
  }

  /** The mode and how many activators should be in the path. */
  public static class Spec {
    public SksMode mode;
    public PodAutoscaler.ObjectReference objectRef;
    public String protocolType;
    public Integer numActivators;
  }

  /**
   * The names of the public and private endpoint sets. {@code EndpointsPopulated} (an instance is
   * ready) rolls up into Ready; {@code ActivatorEndpointsPopulated} (the activator is in the path),
   * of severity Info, does not.
   */
  public static class SksStatus extends Status {
    /** At least one instance is ready behind the private endpoints. */
    public static final String ENDPOINTS_POPULATED = "EndpointsPopulated";

    /** The activator is in the path (informational, not part of Ready). */
    public static final String ACTIVATOR_ENDPOINTS_POPULATED = "ActivatorEndpointsPopulated";

    private static final ConditionSet CONDITIONS = ConditionSet.living(ENDPOINTS_POPULATED);

    public String serviceName;
    public String privateServiceName;

    @Override
    protected ConditionSet conditionSet() {
      return CONDITIONS;
    }

    /** An instance is ready. */
    public void markEndpointsPopulated(Clock clock) {
      setCondition(ENDPOINTS_POPULATED, Condition.TRUE, null, null, clock);
    }

    /** No instance is ready ({@code NoHealthyBackends}). */
    public void markEndpointsNotReady(Clock clock) {
      setCondition(
          ENDPOINTS_POPULATED,
          Condition.UNKNOWN,
          "NoHealthyBackends",
          "no instance of the revision is ready",
          clock);
    }

    /** The public endpoints list the activator (Proxy mode, or no instance ready). */
    public void markActivatorEndpointsPopulated(Clock clock) {
      setInfo(ACTIVATOR_ENDPOINTS_POPULATED, Condition.TRUE, ACTIVATOR_ENDPOINTS_POPULATED, clock);
    }

    /** The public endpoints list the instances: the activator is out of the path. */
    public void markActivatorEndpointsRemoved(Clock clock) {
      setInfo(
          ACTIVATOR_ENDPOINTS_POPULATED, Condition.FALSE, "ActivatorEndpointsNotPopulated", clock);
    }

    private void setInfo(String type, String status, String reason, Clock clock) {
      setCondition(type, status, reason, null, clock);
      condition(type).severity = Condition.INFO;
    }
  }
}
