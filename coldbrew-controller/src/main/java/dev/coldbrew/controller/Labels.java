package dev.coldbrew.controller;

/** Knative's label and annotation keys, as the reconcilers write them on children. */
public final class Labels {
  public static final String SERVICE = "serving.knative.dev/service";
  public static final String SERVICE_UID = "serving.knative.dev/serviceUID";
  public static final String CONFIGURATION = "serving.knative.dev/configuration";
  public static final String CONFIGURATION_UID = "serving.knative.dev/configurationUID";
  public static final String CONFIGURATION_GENERATION =
      "serving.knative.dev/configurationGeneration";
  public static final String REVISION = "serving.knative.dev/revision";
  public static final String REVISION_UID = "serving.knative.dev/revisionUID";
  public static final String ROUTE = "serving.knative.dev/route";

  /** {@code pending}, {@code active} (routed to) or {@code reserve} (not routed to). */
  public static final String ROUTING_STATE = "serving.knative.dev/routingState";

  /** Annotation: when {@link #ROUTING_STATE} last changed (RFC 3339, seconds); read by GC. */
  public static final String ROUTING_STATE_MODIFIED = "serving.knative.dev/routingStateModified";

  public static final String SKS = "networking.internal.knative.dev/serverlessservice";
  public static final String SERVICE_TYPE = "networking.internal.knative.dev/serviceType";

  /** kubectl's client-side apply record: never propagated to children. */
  public static final String LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration";

  public static final String PROGRESS_DEADLINE = "serving.knative.dev/progress-deadline";

  private Labels() {}
}
