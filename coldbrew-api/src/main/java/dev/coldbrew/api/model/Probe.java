package dev.coldbrew.api.model;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A readiness or liveness probe. {@code exec} and {@code grpc} are accepted for Kubernetes only.
 */
public class Probe {
  public HTTPGetAction httpGet;
  public TCPSocketAction tcpSocket;
  public JsonNode exec;
  public JsonNode grpc;
  public Integer initialDelaySeconds;
  public Integer periodSeconds;
  public Integer timeoutSeconds;
  public Integer successThreshold;
  public Integer failureThreshold;
  public Long terminationGracePeriodSeconds;
}
