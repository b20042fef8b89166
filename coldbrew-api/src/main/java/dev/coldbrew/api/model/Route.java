package dev.coldbrew.api.model;

import java.time.Clock;
import java.util.List;

/** A Knative Route: host names and a traffic split over revisions. */
public class Route extends Resource {
  /**
   * The label that makes a Route (or the Service it is propagated from) cluster-local: served only
   * on the cluster's own domain ({@link #CLUSTER_DOMAIN}), never on the public one.
   */
  public static final String VISIBILITY_LABEL = "networking.knative.dev/visibility";

  /** The one value {@link #VISIBILITY_LABEL} takes. */
  public static final String CLUSTER_LOCAL = "cluster-local";

  /** The cluster's own domain: every Route's {@code status.address}, a cluster-local one's URL. */
  public static final String CLUSTER_DOMAIN = "svc.cluster.local";

  public Spec spec = new Spec();
  public RouteStatus status;

  public Route() {
    super(Kind.ROUTE);
  }

  /** Whether the Route is labelled cluster-local. */
  public boolean clusterLocal() {
    return CLUSTER_LOCAL.equals(metadata.label(VISIBILITY_LABEL));
  }

  @Override
  public Kind resourceKind() {
    return Kind.ROUTE;
  }

  @Override
  public Status status() {
    return status;
  }

  @Override
  public RouteStatus ensureStatus() {
    if (status == null) {
      status = new RouteStatus();
    }
    return status;
  }

  /** The route spec: its traffic targets. */
  public static class Spec {
    public List<TrafficTarget> traffic;
  }

  /**
   * The URL and the resolved traffic (always with revision names). {@code AllTrafficAssigned}
   * (every target resolved to a ready Revision), {@code IngressReady} (the gateway routes the
   * hosts) and {@code CertificateProvisioned} roll up into Ready.
   */
  public static class RouteStatus extends Status {
    /** Every traffic target resolved to a ready Revision. */
    public static final String ALL_TRAFFIC_ASSIGNED = "AllTrafficAssigned";

    /** The gateway routes the Route's hosts. */
    public static final String INGRESS_READY = "IngressReady";

    /** TLS certificates; always True here, as TLS is not enabled. */
    public static final String CERTIFICATE_PROVISIONED = "CertificateProvisioned";

    /** A target's Revision or Configuration does not exist, or has no ready Revision yet. */
    public static final String REVISION_MISSING = "RevisionMissing";

    /** A target's Revision failed. */
    public static final String REVISION_FAILED = "RevisionFailed";

    private static final ConditionSet CONDITIONS =
        ConditionSet.living(ALL_TRAFFIC_ASSIGNED, INGRESS_READY, CERTIFICATE_PROVISIONED);

    public String url;
    public Addressable address;
    public List<TrafficTarget> traffic;

    @Override
    protected ConditionSet conditionSet() {
      return CONDITIONS;
    }

    /** Every target resolved. */
    public void markTrafficAssigned(Clock clock) {
      setCondition(ALL_TRAFFIC_ASSIGNED, Condition.TRUE, null, null, clock);
    }

    /**
     * A target did not resolve: False when its Revision failed, Unknown while it may still get
     * ready.
     *
     * @param failed whether the target failed (False) or is pending (Unknown)
     * @param reason {@link #REVISION_MISSING} or {@link #REVISION_FAILED}
     */
    public void markTrafficNotAssigned(boolean failed, String reason, String message, Clock clock) {
      setCondition(
          ALL_TRAFFIC_ASSIGNED,
          failed ? Condition.FALSE : Condition.UNKNOWN,
          reason,
          message,
          clock);
    }

    /** The gateway routes the hosts. */
    public void markIngressReady(Clock clock) {
      setCondition(INGRESS_READY, Condition.TRUE, null, null, clock);
    }

    /** Nothing has been published to the gateway for this Route yet. */
    public void markIngressNotReady(Clock clock) {
      setCondition(
          INGRESS_READY,
          Condition.UNKNOWN,
          "Uninitialized",
          "Waiting for load balancer to be ready",
          clock);
    }

    /** TLS is not enabled, so no certificate is needed: True with reason {@code TLSNotEnabled}. */
    public void markCertificateNotRequired(Clock clock) {
      setCondition(
          CERTIFICATE_PROVISIONED,
          Condition.TRUE,
          "TLSNotEnabled",
          "autoTLS is not enabled",
          clock);
    }
  }
}
