package dev.coldbrew.api.model;

/** The container port: {@code containerPort} and {@code name} (http1 or h2c). */
public class ContainerPort {
  public String name;
  public Integer containerPort;
  public String protocol;
  public Integer hostPort;
  public String hostIP;
}
