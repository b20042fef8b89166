package dev.coldbrew.api.model;

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

  /** The service spec: a revision template and a traffic split. */
  public static class Spec {
    public RevisionTemplateSpec template = new RevisionTemplateSpec();
    public List<TrafficTarget> traffic;
  }

  /** Rolled-up status of the Configuration and Route. */
  public static class ServiceStatus extends Status {
    public String url;
    public Addressable address;
    public String latestCreatedRevisionName;
    public String latestReadyRevisionName;
    public List<TrafficTarget> traffic;
  }
}
