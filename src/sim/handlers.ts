// Which domain function answers which operation.
import { describeInstanceStatus, describeInstances } from './ec2.js';
import {
  describeJobLogItems,
  describeJobs,
  startFailbackLaunch,
  startRecovery,
  terminateRecoveryInstances,
} from './jobs.js';
import { getServiceQuota } from './quotas.js';
import { describeRecoveryInstances, disconnectRecoveryInstance, stopFailback } from './recovery-instances.js';
import { reverseReplication } from './reverse-replication.js';
import type { SimOperation } from './scenario.js';
import { describeRecoverySnapshots } from './snapshots.js';
import { publish } from './sns.js';
import { describeSourceServers, disconnectSourceServer, stopReplication } from './source-servers.js';
import type { World } from './world.js';

/** A handler gets the request input and answers the response body (without $metadata). */
export type Handler = (world: World, input: never) => object;

const h = <I>(fn: (world: World, input: I) => object): Handler => fn as Handler;

export const DRS_HANDLERS: Partial<Record<SimOperation, Handler>> = {
  DescribeSourceServers: h(describeSourceServers),
  DescribeRecoveryInstances: h(describeRecoveryInstances),
  DescribeRecoverySnapshots: h(describeRecoverySnapshots),
  DescribeJobs: h(describeJobs),
  DescribeJobLogItems: h(describeJobLogItems),
  StartFailbackLaunch: h(startFailbackLaunch),
  StopFailback: h(stopFailback),
  StartRecovery: h(startRecovery),
  TerminateRecoveryInstances: h(terminateRecoveryInstances),
  StopReplication: h(stopReplication),
  DisconnectSourceServer: h(disconnectSourceServer),
  DisconnectRecoveryInstance: h(disconnectRecoveryInstance),
  ReverseReplication: h(reverseReplication),
};

export const EC2_HANDLERS: Partial<Record<SimOperation, Handler>> = {
  DescribeInstances: h(describeInstances),
  DescribeInstanceStatus: h(describeInstanceStatus),
};

export const SNS_HANDLERS: Partial<Record<SimOperation, Handler>> = {
  Publish: h(publish),
};

export const SERVICE_QUOTAS_HANDLERS: Partial<Record<SimOperation, Handler>> = {
  GetServiceQuota: h(getServiceQuota),
};
