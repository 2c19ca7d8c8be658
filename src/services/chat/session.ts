import type { Clock } from '../../clock';
import type { Application, ApplicationStore } from '../../db/applications';
import type { ConversationStore } from '../../db/conversations';
import type { JobStore } from '../../db/jobs';
import type { ResumeStore } from '../../db/resumes';
import { AppError, notFound } from '../../errors';
import { describeError, type Logger } from '../../logger';
import type { ReleaseSlot, UserLimiter } from '../limits';
import type { LlmClient, LlmEvent, LlmUsage } from '../llm/deepseek';
import {
  type ApplicationGrounding,
  buildPrompt,
  type Grounding,
  maxHistoryMessages,
  relevantChunks,
  titleFrom,
  trimHistory,
} from './context';

/**
 * One chat turn, from the question to the stored reply, as a sequence of events the route only
 * has to write out. Everything that can still be answered as a plain JSON error (404, 429, 502)
 * happens in `start`; once it resolves, the stream has begun and failures become `error` events.
 */

/** The events of the contract (API.md, "Chat"), with the data each carries. */
export type ChatEvent =
  | { type: 'meta'; data: { conversation_id: string; message_id: string } }
  | { type: 'reasoning' | 'delta'; data: { content: string } }
  | { type: 'done'; data: { message_id: string; finish_reason: string | null; usage: LlmUsage | null } }
  | { type: 'error'; data: { error: 'llm_upstream_error'; message: string } };

export interface ChatTurn {
  userId: number;
  message: string;
  /** Already checked against the allowed models. */
  model: string;
  conversationId?: string;
  resumeId?: string;
  jobId?: number;
  /** An application of the user's: its facts, and its posting and resume unless those are given. */
  applicationId?: string;
  /** Aborts when the client leaves, before the stream begins or during it. */
  signal: AbortSignal;
}

/** The client left before the stream began: there is nobody to answer. */
export class ClientLeftError extends Error {
  constructor() {
    super('The client left before the answer began');
    this.name = 'ClientLeftError';
  }
}

export interface ChatServiceDeps {
  clock: Clock;
  logger: Logger;
  conversations: ConversationStore;
  resumes: ResumeStore;
  jobs: JobStore;
  applications: ApplicationStore;
  llm: LlmClient;
  limits: UserLimiter;
  /** Upper bound on one answer, from the slot being taken to the last event. */
  deadlineMs: number;
  /** `max_tokens` of every request. */
  maxTokens: number;
  newId?: () => string;
}

export interface ChatService {
  /**
   * Checks the turn (404), takes a slot (429), stores the question and opens the provider's stream
   * (502, 429); rejects with `ClientLeftError` when the client left before that. The events must be
   * read to the end, or the generator returned: that is what saves the reply and frees the slot.
   */
  start(turn: ChatTurn): Promise<AsyncGenerator<ChatEvent, void, undefined>>;
}

/** Prompt budgets, in characters of grounding and tokens of history. */
const resumeBudgetChars = 6000;
const jobBudgetChars = 6000;
const notesBudgetChars = 2000;
/** The newest timeline entries given, each cut to this many characters. */
const timelineEntries = 10;
const timelineEntryChars = 300;
const historyBudgetTokens = 4000;

type StopReason = 'client' | 'deadline';

/**
 * One signal for the provider call, from the moment it is made: the client leaving and the
 * deadline both abort it, and the reason is kept for what follows (stay silent, or say why).
 */
function stopper(client: AbortSignal, deadlineMs: number) {
  const controller = new AbortController();
  let reason: StopReason | undefined;
  const stop = (why: StopReason) => {
    if (reason) return;
    reason = why;
    controller.abort(
      why === 'client'
        ? new DOMException('The client disconnected', 'AbortError')
        : new DOMException('The answer took too long', 'TimeoutError'),
    );
  };
  const onClientAbort = () => stop('client');
  if (client.aborted) onClientAbort();
  else client.addEventListener('abort', onClientAbort, { once: true });
  const timer = setTimeout(() => stop('deadline'), deadlineMs);
  return {
    signal: controller.signal,
    reason: () => reason,
    dispose() {
      clearTimeout(timer);
      client.removeEventListener('abort', onClientAbort);
    },
  };
}

type Stopper = ReturnType<typeof stopper>;

/** How a stream that began ended. */
type Outcome =
  | { kind: 'done'; finishReason: string | null; usage: LlmUsage | null }
  | { kind: 'left' }
  | { kind: 'failed'; message: string };

export function createChatService(deps: ChatServiceDeps): ChatService {
  const { conversations, clock, logger } = deps;
  const newId = deps.newId ?? (() => crypto.randomUUID());

  async function grounding(turn: ChatTurn): Promise<Grounding> {
    const result: Grounding = {};
    const application =
      turn.applicationId === undefined
        ? undefined
        : await deps.applications.get(turn.userId, turn.applicationId);
    if (turn.applicationId !== undefined && !application) throw notFound('Application');
    // The application's resume and posting, unless the turn names others.
    const resumeId = turn.resumeId ?? application?.resumeId ?? undefined;
    const resume = resumeId
      ? await deps.resumes.get(turn.userId, resumeId)
      : await deps.resumes.getDefault(turn.userId);
    if (turn.resumeId && !resume) throw notFound('Resume');
    if (resume) {
      const chunks = await deps.resumes.chunks(resume.id);
      result.resume = {
        filename: resume.filename,
        text: relevantChunks(chunks, turn.message, resumeBudgetChars),
      };
    }
    if (turn.jobId !== undefined) {
      const job = await deps.jobs.get(turn.jobId);
      if (!job) throw notFound('Job');
      result.job = { ...job, description: job.description.slice(0, jobBudgetChars) };
    } else if (application) {
      // The posting as it is on the board, or as it was copied in when it is gone (or outside).
      const job = application.jobId === null ? undefined : await deps.jobs.get(application.jobId);
      const source = job ?? { ...application, location: application.location ?? 'not given' };
      result.job = {
        title: source.title,
        company: source.company,
        location: source.location,
        description: (source.description ?? '').slice(0, jobBudgetChars),
      };
    }
    if (application) result.application = await applicationFacts(application);
    return result;
  }

  async function applicationFacts(application: Application): Promise<ApplicationGrounding> {
    const timeline = await deps.applications.timeline(application.id);
    return {
      title: application.title,
      company: application.company,
      status: application.status,
      appliedAt: application.appliedAt,
      nextActionAt: application.nextActionAt,
      notes: application.notes?.slice(0, notesBudgetChars) ?? null,
      score: application.match?.score ?? null,
      missingSkills: application.match?.missing_skills.map((s) => s.name) ?? [],
      timeline: timeline.slice(-timelineEntries).map((entry) => {
        const day = entry.at.toISOString().slice(0, 10);
        return entry.type === 'status'
          ? `${day} status: ${entry.from ?? 'created'} → ${entry.to}`
          : `${day} ${entry.type}: ${entry.text.slice(0, timelineEntryChars)}`;
      }),
    };
  }

  async function start(turn: ChatTurn) {
    const existing = turn.conversationId
      ? await conversations.get(turn.userId, turn.conversationId)
      : undefined;
    if (turn.conversationId && !existing) throw notFound('Conversation');
    const context = await grounding(turn);

    const release = await deps.limits.acquire(turn.userId);
    const stop = stopper(turn.signal, deps.deadlineMs);
    try {
      const conversation =
        existing ??
        (await conversations.create(
          { id: newId(), userId: turn.userId, title: titleFrom(turn.message) },
          clock.now(),
        ));
      const history = existing
        ? await conversations.recentMessages(conversation.id, maxHistoryMessages(historyBudgetTokens))
        : [];
      await conversations.addUserMessage(
        conversation.id,
        { id: newId(), content: turn.message },
        clock.now(),
      );
      const messages = buildPrompt({
        grounding: context,
        history: trimHistory(
          history.map((m) => ({ role: m.role, content: m.content })),
          historyBudgetTokens,
        ),
        question: turn.message,
      });
      const events = await deps.llm.stream({
        model: turn.model,
        messages,
        signal: stop.signal,
        maxTokens: deps.maxTokens,
      });
      return relay({
        conversationId: conversation.id,
        replyId: newId(),
        model: turn.model,
        events,
        stop,
        release,
      });
    } catch (err) {
      // Nothing streams: the slot and the timer go at once, whatever failed.
      stop.dispose();
      await release();
      const reason = stop.reason();
      if (reason === 'client') throw new ClientLeftError();
      if (reason === 'deadline') {
        throw new AppError('llm_upstream_error', 'The AI provider did not answer in time', {
          cause: err,
        });
      }
      throw err;
    }
  }

  /**
   * The stream: `meta`, the provider's events as they come, then `done` or `error`. The reply is
   * saved (complete, or incomplete as far as it got) and the slot released before the last event,
   * and also when the consumer stops early.
   */
  async function* relay(stream: {
    conversationId: string;
    replyId: string;
    model: string;
    events: AsyncGenerator<LlmEvent>;
    stop: Stopper;
    release: ReleaseSlot;
  }): AsyncGenerator<ChatEvent, void, undefined> {
    const { conversationId, replyId, stop } = stream;
    let content = '';
    let outcome: Outcome | undefined;
    try {
      yield { type: 'meta', data: { conversation_id: conversationId, message_id: replyId } };
      for await (const event of stream.events) {
        if (event.type === 'done') {
          outcome = { kind: 'done', finishReason: event.finishReason, usage: event.usage };
          break;
        }
        if (event.type === 'delta') content += event.content;
        yield { type: event.type, data: { content: event.content } };
      }
      // The client ends with `done` or throws; anything else is a provider stream cut short.
      outcome ??= failure(new Error('the provider stream ended without done'), stop.reason(), conversationId);
    } catch (err) {
      outcome = failure(err, stop.reason(), conversationId);
    } finally {
      // Reached without an outcome only when the consumer stopped reading: the client is gone.
      await finish(outcome ?? { kind: 'left' });
    }
    if (outcome?.kind === 'done') {
      yield {
        type: 'done',
        data: { message_id: replyId, finish_reason: outcome.finishReason, usage: outcome.usage },
      };
    } else if (outcome?.kind === 'failed') {
      yield { type: 'error', data: { error: 'llm_upstream_error', message: outcome.message } };
    }

    async function finish(end: Outcome) {
      stop.dispose();
      const complete = end.kind === 'done';
      await conversations
        .addAssistantReply(
          conversationId,
          {
            id: replyId,
            content,
            incomplete: !complete,
            model: stream.model,
            finishReason: complete ? end.finishReason : null,
            promptTokens: complete ? (end.usage?.prompt_tokens ?? null) : null,
            completionTokens: complete ? (end.usage?.completion_tokens ?? null) : null,
          },
          clock.now(),
        )
        .catch((err: unknown) =>
          logger.error('storing the assistant reply failed', {
            conversation_id: conversationId,
            ...describeError(err),
          }),
        );
      await stream.release();
    }
  }

  function failure(err: unknown, reason: StopReason | undefined, conversationId: string): Outcome {
    if (reason === 'client') return { kind: 'left' };
    logger.warn('chat stream failed', { conversation_id: conversationId, reason, ...describeError(err) });
    return {
      kind: 'failed',
      message:
        reason === 'deadline'
          ? 'The answer took too long and was cut short'
          : 'The assistant stopped answering; the reply so far was kept',
    };
  }

  return { start };
}
