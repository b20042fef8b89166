package dev.coldbrew.api.model;

import java.time.Clock;
import java.util.List;

/** A Knative Service: a Configuration and a Route of the same name, managed together. */
public class Service extends Resource {
  public Spec spec = new Spec();
  public ServiceStatus status;

  public Service() {
    super(Kind.SERVICE);
  }

  @Override
  public Kind resourceKind() {
    return Kind.SERVICE;
  }

  @Override
  public Status status() {
    return status;
  }

  @Override
  public ServiceStatus ensureStatus() {
    if (status == null) {
      status = new ServiceStatus();
    }
    return status;
  }

  /** The service spec: a revision template and a traffic split. */
  public static class Spec {
    public RevisionTemplateSpec template = new RevisionTemplateSpec();
    public List<TrafficTarget> traffic;
  }

  /**
   * Rolled-up status of the Configuration and Route: {@code ConfigurationsReady} and {@code
   * RoutesReady}, each the child's Ready, roll up into Ready.
   */
  public static class ServiceStatus extends Status {
    /** The Configuration's Ready, once it reflects the Service's template. */
    public static final String CONFIGURATIONS_READY = "ConfigurationsReady";

    /** The Route's Ready, once it reflects the Service's traffic. */
    public static final String ROUTES_READY = "RoutesReady";

    /** A child exists that another owner (or none) controls. */
    public static final String NOT_OWNED = "NotOwned";

    /** The child has not caught up with the Service's latest spec. */
    public static final String OUT_OF_DATE = "OutOfDate";

    private static final ConditionSet CONDITIONS =
        ConditionSet.living(CONFIGURATIONS_READY, ROUTES_READY);

    private static final String CONFIGURATION_OUT_OF_DATE =
        "The Configuration is still working to reflect the latest desired specification.";
    private static final String ROUTE_OUT_OF_DATE =
        "The Route is still working to reflect the latest desired specification.";

    public String url;
    public Addressable address;
    public String latestCreatedRevisionName;
    public String latestReadyRevisionName;
    public List<TrafficTarget> traffic;

    @Override
    protected ConditionSet conditionSet() {
      return CONDITIONS;
    }

    /** A Configuration of the Service's name exists that the Service does not own. */
    public void markConfigurationNotOwned(String name, Clock clock) {
      setCondition(
          CONFIGURATIONS_READY,
          Condition.FALSE,
          NOT_OWNED,
          "There is an existing Configuration \"" + name + "\" that we do not own.",
          clock);
    }

    /** The Configuration has not yet observed the Service's latest template. */
    public void markConfigurationNotReconciled(Clock clock) {
      setCondition(
          CONFIGURATIONS_READY, Condition.UNKNOWN, OUT_OF_DATE, CONFIGURATION_OUT_OF_DATE, clock);
    }

    /**
     * Takes the Configuration's Ready as ConfigurationsReady, and its latest created and ready
     * revision names.
     */
    public void propagateConfigurationStatus(Configuration.ConfigurationStatus cs, Clock clock) {
      propagateReady(CONFIGURATIONS_READY, cs, OUT_OF_DATE, CONFIGURATION_OUT_OF_DATE, clock);
      latestCreatedRevisionName = cs.latestCreatedRevisionName;
      latestReadyRevisionName = cs.latestReadyRevisionName;
    }

    /** A Route of the Service's name exists that the Service does not own. */
    public void markRouteNotOwned(String name, Clock clock) {
      setCondition(
          ROUTES_READY,
          Condition.FALSE,
          NOT_OWNED,
          "There is an existing Route \"" + name + "\" that we do not own.",
          clock);
    }

    /** The Route has not yet observed the Service's latest traffic. */
    public void markRouteNotReconciled(Clock clock) {
      setCondition(ROUTES_READY, Condition.UNKNOWN, OUT_OF_DATE, ROUTE_OUT_OF_DATE, clock);
    }

    /** Takes the Route's Ready as RoutesReady, and its URL, address and resolved traffic. */
    public void propagateRouteStatus(Route.RouteStatus rs, Clock clock) {
      propagateReady(ROUTES_READY, rs, OUT_OF_DATE, ROUTE_OUT_OF_DATE, clock);
      url = rs.url;
      address = rs.url == null ? null : new Addressable(rs.url);
      traffic = rs.traffic;
    }
  }
}
