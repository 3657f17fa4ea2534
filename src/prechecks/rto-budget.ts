// rto-budget: the run's RTO deadline has not passed when the wave begins.
import type { Precheck } from './types.js';

export const RTO_BUDGET = 'rto-budget';

export type RtoBudgetData = {
  /** The run's RTO deadline (ISO-8601). */
  deadlineAt: string;
  /** What is left of the RTO budget (ms); zero or negative once the deadline has passed. */
  budgetMs: number;
};

export const rtoBudget: Precheck<typeof RTO_BUDGET, RtoBudgetData> = {
  name: RTO_BUDGET,
  evaluate({ now, input }) {
    const data = {
      deadlineAt: new Date(input.rtoDeadlineAt).toISOString(),
      budgetMs: input.rtoDeadlineAt - now,
    };
    return now >= input.rtoDeadlineAt
      ? [
          {
            server: '*',
            status: 'fail',
            detail: `RTO budget exhausted: the deadline ${data.deadlineAt} has passed`,
            data,
          },
        ]
      : [
          {
            server: '*',
            status: 'pass',
            detail: `${Math.floor(data.budgetMs / 1000)} s of RTO budget left`,
            data,
          },
        ];
  },
};
