package dev.coldbrew.api.model;

import com.fasterxml.jackson.databind.JsonNode;

/** A readiness or liveness probe: one of httpGet, tcpSocket, exec ({@code command}) or grpc. */
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
