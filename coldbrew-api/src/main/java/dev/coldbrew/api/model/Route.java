package dev.coldbrew.api.model;

import java.util.List;

/** A Knative Route: host names and a traffic split over revisions. */
public class Route extends Resource {
  public Spec spec = new Spec();
  public RouteStatus status;

  public Route() {
    super(Kind.ROUTE);
  }

  @Override
  public Kind resourceKind() {
    return Kind.ROUTE;
  }

  @Override
  public Status status() {
    return status;
  }

  /** The route spec: its traffic targets. */
  public static class Spec {
    public List<TrafficTarget> traffic;
  }

  /** The URL and the resolved traffic (always with revision names). */
  public static class RouteStatus extends Status {
    public String url;
    public Addressable address;
    public List<TrafficTarget> traffic;
  }
}
