/** One operation (or webhook) on the /docs/api page: what it does, then its tables, examples and snippets. */
import { exampleOf, refName, type Listed, type Named } from "./model";
import { Example, MethodPath, Paragraphs, Parameters, SchemaBlock, Text } from "./SchemaViews";
import { Snippets } from "./Snippets";

export function OperationView({ item, schemas, webhook = false }: { item: Listed; schemas: Named; webhook?: boolean }) {
  const { op, method, path, id } = item;
  const body = op.requestBody?.content?.["application/json"];
  const responses = Object.entries(op.responses ?? {});
  const ok = responses.filter(([status]) => /^2/.test(status));
  const errors = responses.filter(([status]) => !/^2/.test(status));
  const title = op.summary ?? `${method.toUpperCase()} ${path}`;
  return (
    <section id={id} aria-labelledby={`${id}-title`} className="scroll-mt-4 border-t border-slate-200 pt-5">
      <h3 id={`${id}-title`} className="text-lg font-semibold text-slate-900">
        {title}
      </h3>
      <p className="mt-1">
        {webhook ? (
          <code className="text-sm font-semibold text-slate-900">
            POST your endpoint — <span className="text-indigo-800">{path}</span>
          </code>
        ) : (
          <MethodPath method={method} path={path} />
        )}
      </p>
      <Paragraphs text={op.description} />
      {/* The tables stay closed until asked for: a list to scan first (and a page light enough to render fast). */}
      <details className="mt-3 rounded-md border border-slate-200 bg-white px-4 py-2">
        <summary className="cursor-pointer text-sm font-medium text-indigo-700">
          {webhook ? "Headers, body and your answer" : "Parameters, body, answers and errors"}
          <span className="sr-only"> of {title}</span>
        </summary>
        {op.parameters?.length ? (
          <>
            <h4 className="mt-4 font-semibold text-slate-900">{webhook ? "Headers" : "Parameters"}</h4>
            <Parameters params={op.parameters} caption={`Parameters of ${title}`} />
          </>
        ) : null}
        {body?.schema ? (
          <>
            <h4 className="mt-4 font-semibold text-slate-900">
              {webhook ? "Body" : "Request body"}
              {op.requestBody?.required ? null : <span className="font-normal text-slate-600"> (optional)</span>}
            </h4>
            <SchemaBlock
              schema={body.schema}
              caption={`Request body of ${title}`}
              expand={webhook && body.schema.$ref ? schemas[refName(body.schema.$ref)] : undefined}
            />
            <Example value={body.example ?? exampleOf(body.schema, schemas)} label="Example body" />
          </>
        ) : null}
        {webhook ? null : (
          <Snippets item={item} body={body ? (body.example ?? exampleOf(body.schema ?? {}, schemas)) : undefined} />
        )}
        <h4 className="mt-4 font-semibold text-slate-900">{webhook ? "Your answer" : "Answer"}</h4>
        {ok.map(([status, r]) => {
          const media = r.content?.["application/json"];
          return (
            <div key={status} className="mt-1">
              <p className="text-sm text-slate-800">
                <strong>{status}</strong> — <Text>{r.description}</Text>
              </p>
              {media?.schema ? <SchemaBlock schema={media.schema} caption={`Answer ${status} of ${title}`} /> : null}
              {media?.schema ? (
                <Example value={media.example ?? exampleOf(media.schema, schemas)} label={`Example answer ${status}`} />
              ) : null}
            </div>
          );
        })}
        {errors.length ? (
          <>
            <h4 className="mt-4 font-semibold text-slate-900">Errors</h4>
            <ul className="mt-1 space-y-0.5 text-sm text-slate-700">
              {errors.map(([status, r]) => (
                <li key={status}>
                  <strong>{status}</strong> — <Text>{r.description}</Text>
                </li>
              ))}
            </ul>
          </>
        ) : null}
      </details>
    </section>
  );
}
