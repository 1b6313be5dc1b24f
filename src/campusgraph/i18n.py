"""What people read on screen, in Russian with English available (``Accept-Language: en``)."""

from __future__ import annotations

MESSAGES: dict[str, tuple[str, str]] = {
    "unauthenticated": ("Требуется вход в систему.", "Sign-in required."),
    "token_unknown": ("Сеанс не найден: войдите снова.", "Unknown session token: sign in again."),
    "token_expired": ("Сеанс истёк: войдите снова.", "The session has expired: sign in again."),
    "token_revoked": ("Сеанс отозван: войдите снова.", "The session was revoked: sign in again."),
    "account_disabled": ("Учётная запись отключена.", "The account is disabled."),
    "must_change_password": (
        "Смените одноразовый пароль (changePassword), прежде чем продолжить.",
        "Change your one-time password (changePassword) before anything else.",
    ),
    "bad_credentials": (
        "Неверное имя пользователя или пароль.",
        "Wrong login or password.",
    ),
    "sign_in_throttled": (
        "Слишком много неудачных попыток входа. Повторите через {seconds} с.",
        "Too many failed sign-in attempts. Try again in {seconds} s.",
    ),
    "sign_in_busy": (
        "Сервер занят проверкой паролей. Повторите вход через {seconds} с.",
        "The server is busy checking passwords. Try again in {seconds} s.",
    ),
    "forbidden": (
        "Доступ запрещён регламентом «{ruleset}». {reason}. Основание: {clause}",
        "Forbidden by ruleset «{ruleset}». {reason}. Clause: {clause}",
    ),
    "grant_forbidden": (
        "Роль «{role}» вам не предоставить: регламент «{ruleset}» не даёт права предоставлять"
        " роль «{granted}». {reason}. Основание: {clause}",
        "You may not grant the role «{role}»: ruleset «{ruleset}» does not let you grant"
        " «{granted}». {reason}. Clause: {clause}",
    ),
    "role_required": (
        "Укажите роль сотрудника из регламента.",
        "Name an employee role of the ruleset.",
    ),
    "role_fixed": (
        "Обучающемуся даётся роль «student», родителю — «parent»; другая роль не подходит.",
        "A student gets the role «student» and a parent «parent»; no other role fits.",
    ),
    "not_found": ("Объект не найден.", "Not found."),
    "report_one_level": (
        "Отчёт строится на одном уровне: укажите не больше одного из student, group, "
        "teacher, department.",
        "A report is asked at one level: give at most one of student, group, teacher, department.",
    ),
    "report_discipline_needs_group": (
        "Дисциплина указывается вместе с группой.",
        "A discipline is given together with a group.",
    ),
    "report_period_or_dates": (
        "Укажите период или даты, но не то и другое.",
        "Give a period or dates, not both.",
    ),
    "report_dates_reversed": (
        "Дата начала позже даты окончания.",
        "The start date is after the end date.",
    ),
    "report_level_not_offered": (
        "Отчёт «{report}» не строится на уровне «{level}»; возможные уровни: {levels}.",
        "Report «{report}» is not offered at level «{level}»; it is offered at: {levels}.",
    ),
    "bad_id": ("Неверный идентификатор: {value}", "Malformed id: {value}"),
    "bad_cursor": ("Неверный курсор страницы.", "Malformed page cursor."),
    "page_negative": (
        "Размер страницы не может быть отрицательным: {value}.",
        "A page size cannot be negative: {value}.",
    ),
    "out_of_range": (
        "Значение {argument} должно быть от {low} до {high}.",
        "{argument} must be between {low} and {high}.",
    ),
    "internal": (
        "Внутренняя ошибка сервера. Обратитесь к администратору.",
        "Internal server error. Please contact the administrator.",
    ),
    "unavailable": (
        "База данных временно недоступна: повторите запрос через несколько секунд.",
        "The database is temporarily unavailable: retry in a few seconds.",
    ),
    "ruleset_broken": (
        "Регламент не может быть загружен: {problems}",
        "The ruleset cannot be loaded: {problems}",
    ),
    "ruleset_no_roles": (
        "В новом регламенте нет ни одной из ваших ролей: вы потеряете доступ.",
        "The new ruleset has none of your roles: you would lose access.",
    ),
    "page_too_large": (
        "Размер страницы не больше {limit}.",
        "Page size is at most {limit}.",
    ),
    "wrong_type": ("Идентификатор указывает на объект другого типа.", "The id names another type."),
    "period_mismatch": (
        "Период не относится к учебному году группы.",
        "The period is not of the group's academic year.",
    ),
    # -- the request gate (schema/gate.py, app.py's GraphQLEndpoint) ----------------------
    "text_nul": (
        "Текст не может содержать нулевой символ (U+0000): уберите его из введённых данных.",
        "Text may not contain the NUL character (U+0000): remove it from the input.",
    ),
    "query_too_costly": (
        "Запрос слишком дорогой: оценка {cost} при допустимых {budget}. "
        "Уменьшите `first`, число псевдонимов или вложенность списков.",
        "The query is too costly: estimated {cost}, the budget is {budget}. "
        "Lower `first`, the number of aliases or the nesting of lists.",
    ),
    "query_too_complex": (
        "Запрос слишком сложный: {what} — {value} при допустимых {limit}.",
        "The query is too complex: {what} is {value}, at most {limit} allowed.",
    ),
    "query_fragment_cycle": (
        "Фрагмент «{name}» включает сам себя.",
        "Fragment «{name}» spreads itself.",
    ),
    "query_unknown_operation": (
        "В документе нет такой операции.",
        "The document has no such operation.",
    ),
    "introspection_disabled": (
        "Интроспекция схемы отключена на этом сервере.",
        "Schema introspection is disabled on this server.",
    ),
    "request_timeout": (
        "Запрос выполнялся дольше {seconds} с и был остановлен.",
        "The request ran longer than {seconds} s and was stopped.",
    ),
    "document_not_trusted": (
        "Этот сервер выполняет только зарегистрированные запросы; запрос {hash} не "
        "зарегистрирован.",
        "This server runs registered documents only; document {hash} is not registered.",
    ),
    "document_hash_mismatch": (
        "Хэш sha256 не совпадает с текстом запроса.",
        "The sha256 hash does not match the document's text.",
    ),
    # -- journal rules (resolvers/journal_rules.py) ----------------------------------------
    "lesson_topic_required": (
        "Укажите тему занятия: регламент требует тему на каждом занятии.",
        "Enter the lesson topic: the regulation requires one on every lesson.",
    ),
    "lesson_topic_required_for_work": (
        "Укажите тему занятия: у занятия, на котором проводится {work}, должна быть тема.",
        "Enter the lesson topic: a lesson with a {work} must have one.",
    ),
    "lesson_topic_bare": (
        "Тема «{topic}» без уточнения не допускается: укажите, что повторяется "
        "или какие задачи решаются.",
        "A bare «{topic}» is not allowed as a topic: say what is revised or which problems.",
    ),
    "lesson_topic_abbreviated": (
        "В теме не допускаются сокращения слов: {words}.",
        "Abbreviated words are not allowed in the topic: {words}.",
    ),
    "lesson_topic_not_in_plan": (
        "Тема должна точно совпадать с одной из тем тематического планирования (КТП).",
        "The topic must be exactly one of the thematic plan's topics.",
    ),
    "lesson_type_required": ("Укажите тип занятия.", "Enter the lesson type."),
    "work_number_required": (
        "Укажите номер работы: {work} записывается с номером.",
        "Enter the work's number: a {work} carries a number.",
    ),
    "final_mark_average": (
        "средний балл {average} (отметок: {count})",
        "average {average} ({count} marks)",
    ),
    "final_mark_in_range": (
        "{average} в диапазоне «{value}» ({range})",
        "{average} lies in the range of «{value}» ({range})",
    ),
    "final_mark_range_from": ("не ниже {low}", "{low} or more"),
    "final_mark_range_to": ("не выше {high}", "{high} or less"),
    "final_mark_range_any": ("любой", "any"),
    "final_mark_counted": ("на {marks}", "at {marks}"),
    "final_mark_counted_any": ("(с любой отметкой)", "(with any mark)"),
    "final_mark_share": (
        "выполнено {counted} {works} из {planned} оценочных работ "
        "({share}; требуется не менее {need})",
        "{works} of {planned} graded works done {counted} ({share}; at least {need} required)",
    ),
    "final_mark_teacher": ("преподаватель", "the teacher"),
    "final_mark_given": (
        "Предлагается «{value}»: {range}; {share} ({clause}).",
        "Suggested «{value}»: {range}; {share} ({clause}).",
    ),
    "final_mark_disputed": (
        "Отметка не предлагается: {range}, но {share} — условие «{value}» не выполнено. "
        "Спорный случай ({clause}): итоговую отметку определяет {who}.",
        "No suggestion: {range}, but {share} — the condition of «{value}» fails. "
        "A disputed case ({clause}): {who} decides the final mark.",
    ),
    "final_mark_no_graded_works": (
        "Отметка не предлагается: в периоде не было оценочных работ, условие о доле "
        "выполненных работ не может быть выполнено. Спорный случай ({clause}): итоговую "
        "отметку определяет {who}.",
        "No suggestion: the period had no graded works, so no share of them can be met. "
        "A disputed case ({clause}): {who} decides the final mark.",
    ),
    "final_mark_no_numeric": (
        "Отметка не предлагается: нет числовых отметок (оценочных работ в периоде: "
        "{planned}). Спорный случай ({clause}): итоговую отметку определяет {who}.",
        "No suggestion: there are no numeric marks ({planned} graded works in the period). "
        "A disputed case ({clause}): {who} decides the final mark.",
    ),
    "final_mark_no_range": (
        "Отметка не предлагается: {average} не попадает ни в один диапазон правила. "
        "Спорный случай ({clause}): итоговую отметку определяет {who}.",
        "No suggestion: {average} lies in no range of the rule. "
        "A disputed case ({clause}): {who} decides the final mark.",
    ),
    "final_mark_nothing_to_approve": (
        "Итоговая отметка не ждёт согласования: она выставлена по правилу регламента "
        "или правило её не определяет (спорный случай решает преподаватель).",
        "The final mark awaits no agreement: it follows the ruleset's rule, or the rule "
        "does not decide it (the teacher decides a disputed case).",
    ),
    "final_mark_no_rule": (
        "Регламент «{ruleset}» не устанавливает правила выставления итоговой отметки "
        "по среднему баллу: отметку определяет преподаватель.",
        "Ruleset «{ruleset}» sets no average-based final-mark rule: the teacher decides.",
    ),
    # -- diary and compliance ----------------------------------------------------------------
    "diary_choose_child": (
        "У вас несколько детей: укажите, чей дневник открыть (аргумент child).",
        "You have several children: say whose diary to open (argument child).",
    ),
    "diary_range": (
        "Неверный период дневника: дата начала не позже даты окончания, не более {days} дней.",
        "Bad diary range: the start is not after the end, at most {days} days.",
    ),
    "compliance_lesson_topic": ("Занятия без темы", "Lessons without a topic"),
    "compliance_lesson_empty": (
        "Занятия без единой отметки и пропуска (посещаемость, возможно, не отмечена)",
        "Lessons without a single mark or absence (attendance may not have been taken)",
    ),
    "compliance_absence_reason": (
        "Пропуски без указанной причины",
        "Absences without a reason",
    ),
    "compliance_final_mark": ("Не выставлены итоговые отметки", "Final marks not set"),
    "compliance_example_lesson_topic": (
        "{date}, {group}, {discipline}: не указана тема занятия (срок — {deadline})",
        "{date}, {group}, {discipline}: no lesson topic (due {deadline})",
    ),
    "compliance_example_lesson_empty": (
        "{date}, {group}, {discipline}: нет ни отметок, ни пропусков (срок — {deadline})",
        "{date}, {group}, {discipline}: neither marks nor absences (due {deadline})",
    ),
    "compliance_example_absence_reason": (
        "{date}, {group}, {discipline}: {student} — пропуск без причины (срок — {deadline})",
        "{date}, {group}, {discipline}: {student} absent, no reason (due {deadline})",
    ),
    "compliance_example_final_mark": (
        "{group}, {discipline}: {student} — нет итоговой отметки за период (срок — {deadline})",
        "{group}, {discipline}: {student} has no final mark for the period (due {deadline})",
    ),
    "compliance_student_card": (
        "Карточки обучающихся заведены позже срока",
        "Student cards entered after the deadline",
    ),
    "compliance_expulsion_order": (
        "Приказы об отчислении внесены позже срока",
        "Expulsion orders entered after the deadline",
    ),
    "compliance_example_expulsion_order": (
        "{group}: приказ об отчислении {student} (отчислен {date}) внесён {done}, "
        "срок — {deadline}; внёс {teacher}",
        "{group}: the expulsion order of {student} (expelled {date}) was entered {done}, "
        "due {deadline}; entered by {teacher}",
    ),
    "compliance_attestation_mark": (
        "Оценки промежуточной аттестации не выставлены в срок",
        "Attestation marks not set in time",
    ),
    "compliance_example_student_card": (
        "{group}: карточка обучающегося {student} (зачислен {date}) заведена {done}, "
        "срок — {deadline}; внёс {teacher}",
        "{group}: the student card of {student} (enrolled {date}) was entered {done}, "
        "due {deadline}; entered by {teacher}",
    ),
    "compliance_example_attestation_mark": (
        "{date}, {group}, {discipline}: {student} — нет оценки промежуточной аттестации "
        "(экзамен {date}, преподаватель {teacher}, срок — {deadline})",
        "{date}, {group}, {discipline}: {student} has no attestation mark "
        "(exam on {date}, teacher {teacher}, due {deadline})",
    ),
    "compliance_example_attestation_mark_late": (
        "{date}, {group}, {discipline}: {student} — оценка промежуточной аттестации "
        "выставлена {done}, срок — {deadline} (преподаватель {teacher})",
        "{date}, {group}, {discipline}: {student}'s attestation mark was set {done}, "
        "due {deadline} (teacher {teacher})",
    ),
    # -- timetable clashes (resolvers/timetable.py) -------------------------------------
    "clash_room": ("Накладка: аудитория «{room}» уже занята —", "Clash: room «{room}» is taken —"),
    "clash_teacher": (
        "Накладка: преподаватель {teacher} уже ведёт занятие —",
        "Clash: teacher {teacher} already teaches —",
    ),
    "clash_group": (
        "Накладка: у группы «{group}» уже есть занятие —",
        "Clash: group «{group}» is busy —",
    ),
    "clash_with": (
        "{weekday}, урок № {slot}{time}: «{discipline}», группа «{group}»{subgroup}, "
        "преподаватель {teacher}, аудитория {room}; действует с {start} по {end}.",
        "{weekday}, slot {slot}{time}: «{discipline}», group «{group}»{subgroup}, "
        "teacher {teacher}, room {room}; valid {start} to {end}.",
    ),
    # -- movement orders and the academic year (resolvers/movement.py) -------------------
    "movement_number_required": ("Укажите номер приказа.", "Enter the order number."),
    "movement_number_long": (
        "Номер приказа не длиннее {limit} символов.",
        "The order number is at most {limit} characters.",
    ),
    "movement_number_taken": (
        "Приказ с таким номером и датой уже есть в книге приказов.",
        "An order with this number and date is already in the book.",
    ),
    "movement_signed_future": (
        "Дата подписания приказа в будущем.",
        "The order is signed in the future.",
    ),
    "movement_effective_before_signed": (
        "Приказ не может вступить в силу раньше даты подписания.",
        "An order cannot take effect before it is signed.",
    ),
    "movement_effective_too_far": (
        "Приказ вступает в силу более чем через год после подписания.",
        "The order takes effect more than a year after it is signed.",
    ),
    "movement_no_items": (
        "В приказе нет ни одного обучающегося.",
        "The order names no student.",
    ),
    "movement_student_twice": (
        "Обучающийся указан в приказе дважды.",
        "The student appears twice in the order.",
    ),
    "movement_in_closed_year": (
        "Учебный год закрыт: приказ должен вступать в силу после {date}.",
        "The academic year is closed: the order must take effect after {date}.",
    ),
    "movement_later_exists": (
        "У обучающегося есть движение с {date}: приказы вносятся в порядке дат.",
        "The student has a movement effective {date}: enter orders in date order.",
    ),
    "movement_no_target_expected": (
        "Для приказа этого вида группа зачисления не указывается.",
        "This kind of order takes no target group.",
    ),
    "movement_no_source_expected": (
        "Для приказа этого вида исходная группа не указывается.",
        "This kind of order takes no source group.",
    ),
    "movement_target_required": (
        "Укажите группу, в которую переходит обучающийся.",
        "Enter the group the student moves into.",
    ),
    "movement_not_in_group": (
        "На {date} обучающийся не состоит в группе «{group}».",
        "On {date} the student is not in group «{group}».",
    ),
    "movement_in_no_group": (
        "На {date} обучающийся не состоит ни в одной группе.",
        "On {date} the student is in no group.",
    ),
    "movement_already_enrolled": (
        "Обучающийся уже зачислен: группа «{group}» с {date}.",
        "The student is already enrolled: group «{group}» since {date}.",
    ),
    "movement_on_leave_use_return": (
        "Обучающийся в академическом отпуске: оформите приказ о выходе из отпуска.",
        "The student is on academic leave: issue a return order.",
    ),
    "movement_not_on_leave": (
        "На {date} обучающийся не находится в академическом отпуске.",
        "On {date} the student is not on academic leave.",
    ),
    "movement_same_day": (
        "В этот день ({date}) уже вступил в силу другой приказ об этом обучающемся.",
        "Another order about this student already takes effect that day ({date}).",
    ),
    "movement_same_group": (
        "Перевод в ту же группу невозможен.",
        "Cannot transfer into the same group.",
    ),
    "movement_group_graduated": ("Группа «{group}» выпущена.", "Group «{group}» has graduated."),
    "movement_group_year_closed": (
        "Группа «{group}» относится к закрытому учебному году {year}.",
        "Group «{group}» belongs to the closed academic year {year}.",
    ),
    "movement_group_other_year": (
        "Дата приказа вне учебного года {year} группы «{group}».",
        "The order's date lies outside academic year {year} of group «{group}».",
    ),
    "movement_field_required": ("Поле обязательно.", "Field is required."),
    "year_already_closed": ("Учебный год уже закрыт.", "The academic year is already closed."),
    "year_ends_before_start": (
        "Дата окончания раньше даты начала.",
        "The end date is before the start date.",
    ),
    "year_too_long": ("Учебный год длиннее 400 дней.", "The academic year is over 400 days."),
    "year_name_taken": ("Учебный год с таким названием уже есть.", "This year name is taken."),
    "year_overlaps": (
        "Даты пересекаются с учебным годом {year}.",
        "The dates overlap academic year {year}.",
    ),
    "period_twice": (
        "Период такого вида с этим номером уже указан.",
        "A period of this kind with this number is already given.",
    ),
    "period_outside_year": (
        "Период выходит за границы учебного года.",
        "The period lies outside the academic year.",
    ),
    "promote_no_previous": (
        "Нет предыдущего учебного года, из которого переводить группы.",
        "There is no previous academic year to promote groups from.",
    ),
    "promote_previous_open": (
        "Сначала закройте учебный год {year}.",
        "Close academic year {year} first.",
    ),
    "promote_not_later": (
        "Новый учебный год должен начинаться после окончания предыдущего.",
        "The new academic year must start after the previous one ends.",
    ),
    "promote_nothing": (
        "В учебном году {year} нет групп с обучающимися для перевода.",
        "Academic year {year} has no groups with students to promote.",
    ),
    "promote_transfer_number": ("Перевод {year}", "Transfer {year}"),
    "promote_transfer_note": (
        "О переводе обучающихся на следующий курс (класс): {old} → {new}",
        "Promotion to the next course (grade): {old} → {new}",
    ),
    "promote_graduation_number": ("Выпуск {year}", "Graduation {year}"),
    "promote_graduation_note": (
        "О выпуске обучающихся, завершивших обучение в {old} учебном году",
        "Graduation of students who completed their studies in {old}",
    ),
    # -- people's cards, applicants, import of lists (resolvers/people_writes.py,
    # resolvers/applicants.py, exchange/) ------------------------------------------------------
    "card_required": ("Поле обязательно.", "Field is required."),
    "card_too_long": ("Не длиннее {limit} символов.", "At most {limit} characters."),
    "card_birth_implausible": ("Неправдоподобная дата рождения.", "Implausible birth date."),
    "card_snils_format": (
        "Неверный СНИЛС: ожидается «123-456-789 01» или 11 цифр.",
        "Invalid СНИЛС: expected «123-456-789 01» or 11 digits.",
    ),
    "card_snils_checksum": (
        "Неверный СНИЛС: не сходится контрольное число.",
        "Invalid СНИЛС: the checksum does not match.",
    ),
    "card_email": ("Неверный адрес электронной почты.", "Invalid e-mail address."),
    "card_phone": (
        "Неверный номер телефона: от 5 до 15 цифр, можно «+», пробелы, скобки и дефисы.",
        "Invalid phone number: 5 to 15 digits; «+», spaces, brackets and dashes allowed.",
    ),
    "card_website": (
        "Неверный адрес сайта: ожидается адрес вида https://college.ru.",
        "Invalid website address: expected one like https://college.ru.",
    ),
    "card_enrolment_future": ("Дата зачисления в будущем.", "Enrolment date is in the future."),
    "card_enrolment_before_birth": (
        "Дата зачисления раньше даты рождения.",
        "Enrolment date is before the birth date.",
    ),
    "card_dismissed_before_hired": (
        "Дата увольнения раньше даты приёма на работу.",
        "The dismissal date is before the hiring date.",
    ),
    "card_hired_before_birth": (
        "Дата приёма на работу раньше даты рождения.",
        "The hiring date is before the birth date.",
    ),
    "card_positions_required": ("Укажите хотя бы одну должность.", "Give at least one position."),
    "card_position_twice": (
        "Должность «{name}» указана дважды.",
        "Position «{name}» is given twice.",
    ),
    "card_position_unknown": (
        "Должности «{name}» нет в справочнике должностей организации.",
        "Position «{name}» is not in the institution's list of positions.",
    ),
    "card_positions_one_main": (
        "Основной может быть только одна должность.",
        "Only one position can be the main one.",
    ),
    "card_not_linked": (
        "Родитель не связан с этим обучающимся.",
        "The parent is not linked to this student.",
    ),
    "applicant_applied_future": (
        "Дата подачи документов в будущем.",
        "The application date is in the future.",
    ),
    "applicant_grade_range": (
        "Средний балл — от 3,000 до 5,000, не больше трёх знаков после запятой.",
        "The average grade is 3.000 to 5.000, at most three decimals.",
    ),
    "applicant_order_note": ("О зачислении: {name}", "Enrolment: {name}"),
    "applicant_enrolled": ("Абитуриент уже зачислен.", "The applicant is already enrolled."),
    "list_needs_institution": (
        "Списки выгружаются и загружаются в учреждении: войдите в учреждение, а не в регион.",
        "Lists are exported and imported per institution: sign in to one, not to the region.",
    ),
    "import_column_twice": ("Столбец указан дважды.", "The column is given twice."),
    "import_missing_column": ("Нет обязательного столбца.", "A required column is missing."),
    "import_bad_date": (
        "Неверная дата: ожидается ДД.ММ.ГГГГ.",
        "Invalid date: expected DD.MM.YYYY.",
    ),
    "import_bad_choice": ("Допустимые значения: {choices}.", "Allowed values: {choices}."),
    "import_unknown_group": (
        "Группы «{name}» нет среди групп открытого учебного года.",
        "There is no group «{name}» in an open academic year.",
    ),
    "import_order_kind": (
        "Приказ № {number} от {date} уже есть, и это не приказ о зачислении.",
        "Order No. {number} of {date} exists and is not an enrolment order.",
    ),
    "import_order_note": (
        "Зачисление по загруженному списку обучающихся",
        "Enrolment by an imported list",
    ),
    "import_snils_taken": (
        "Этот СНИЛС уже указан в карточке: {who}.",
        "This СНИЛС is already on a card: {who}.",
    ),
    "import_snils_in_file": (
        "Этот СНИЛС уже указан в строке {row}.",
        "This СНИЛС is already given in row {row}.",
    ),
    "import_person_exists": (
        "Карточка с такими ФИО и датой рождения уже есть: {who}.",
        "A card with this name and birth date exists: {who}.",
    ),
    "import_duplicate_row": ("Повторяет строку {row}.", "Repeats row {row}."),
    "import_child_incomplete": (
        "Укажите обучающегося, его дату рождения и кем приходится родитель — все три "
        "столбца или ни одного.",
        "Give the student, his birth date and the relation — all three columns or none.",
    ),
    "import_child_not_found": (
        "Обучающийся «{name}» с датой рождения {date} не найден.",
        "No student «{name}» born {date}.",
    ),
    "import_child_ambiguous": (
        "Найдено несколько обучающихся «{name}» с датой рождения {date}.",
        "Several students «{name}» born {date}.",
    ),
    "import_already_linked": (
        "Родитель уже связан с этим обучающимся.",
        "The parent is already linked to this student.",
    ),
    "import_discipline_exists": (
        "Такая дисциплина (индекс, наименование, вид и модуль) уже есть.",
        "This discipline (code, name, kind and module) exists.",
    ),
    "import_mdk_needs_module": (
        "Для МДК укажите индекс профессионального модуля.",
        "An МДК needs its professional module's code.",
    ),
    "import_module_only_mdk": (
        "Модуль указывают только для МДК и практики.",
        "Only an МДК or a practice belongs to a module.",
    ),
    "import_module_not_pm": (
        "Модулем может быть только профессиональный модуль (ПМ).",
        "The module must be a professional module (ПМ).",
    ),
    "import_module_unknown": (
        "Модуля «{module}» нет ни в файле, ни в справочнике.",
        "No module «{module}» in the file or the catalogue.",
    ),
    "import_module_ambiguous": (
        "Модулей «{module}» несколько: укажите и индекс, и наименование модуля.",
        "Several modules «{module}»: give both the module's code and name.",
    ),
    "import_empty": ("В файле нет строк с данными.", "The file has no data rows."),
    "import_too_many": (
        "Не больше {limit} строк в одном файле.",
        "At most {limit} rows in one file.",
    ),
    "import_too_large": ("Файл слишком велик.", "The file is too large."),
    "import_base64": (
        "Содержимое XLSX передаётся в base64.",
        "XLSX content must be base64.",
    ),
    "import_unreadable": (
        "Не удалось прочитать файл: {reason}.",
        "Cannot read the file: {reason}.",
    ),
    # -- the journal's write side (resolvers/journal_writes.py) --------------------------------
    "journal_period_closed": (
        "Период закрыт для изменений.",
        "The period is closed for changes.",
    ),
    "journal_period_closed_rule": (
        "закрытый период: запись в журнал отклонена базой данных",
        "closed period: the database refused the journal write",
    ),
    "journal_period_closed_clause": (
        "Записи закрытого учебного периода не изменяются (rules.period_closing).",
        "Entries of a closed period are not changed (rules.period_closing).",
    ),
    "journal_version_conflict": (
        "Запись уже изменил другой пользователь (сейчас версия {actual}, вы меняли "
        "версию {expected}): обновите журнал и повторите.",
        "Someone else has changed this entry (it is at version {actual}, you changed "
        "version {expected}): reload the journal and try again.",
    ),
    "journal_cell_exists": (
        "Запись уже сделал другой пользователь (версия {actual}): обновите журнал и повторите.",
        "Someone else has already made this entry (version {actual}): reload and try again.",
    ),
    # -- idempotency keys (schema/idempotency.py) ------------------------------------------
    "idempotency_key_reused": (
        "clientMutationId «{id}» уже использован для {mutation} с другими данными: ничего не "
        "записано. Для новой операции возьмите новый идентификатор.",
        "clientMutationId «{id}» was already used for {mutation} with other input: nothing "
        "was written. Use a new id for a new operation.",
    ),
    "idempotency_key_running": (
        "Операция с clientMutationId «{id}» ещё выполняется или её исход неизвестен: "
        "проверьте данные, прежде чем повторять с новым идентификатором.",
        "The operation with clientMutationId «{id}» is still running or its outcome is "
        "unknown: check the data before repeating it with a new id.",
    ),
    "idempotency_other_selection": (
        "Повтор операции с clientMutationId «{id}» запрашивает другие поля: ответ сохранён "
        "для запроса первой попытки, повторите его.",
        "The retry with clientMutationId «{id}» asks for other fields: the answer was kept "
        "for the first attempt's document; send that one.",
    ),
    "idempotency_answer_not_kept": (
        "Операция с clientMutationId «{id}» уже выполнена; её ответ содержал секрет "
        "(одноразовый пароль), он показывается один раз и не хранится. Для новой операции "
        "возьмите новый идентификатор.",
        "The operation with clientMutationId «{id}» was already done; its answer held a "
        "secret (a one-time password), shown once and never stored. Use a new id for a new "
        "operation.",
    ),
    "idempotency_applied": (
        "Операция с clientMutationId «{id}» выполнена, ответ утерян: перечитайте данные. "
        "Повторять её не нужно.",
        "The operation with clientMutationId «{id}» was applied, its answer was lost: read "
        "the data again. Do not repeat it.",
    ),
    "idempotency_taken_over": (
        "Операцию с clientMutationId «{id}» выполняет повтор этого запроса: эта попытка "
        "ничего не записала.",
        "A retry of this request runs the operation with clientMutationId «{id}»: this "
        "attempt wrote nothing.",
    ),
    "idempotency_key_length": (
        "clientMutationId не длиннее {limit} символов.",
        "clientMutationId is at most {limit} characters long.",
    ),
    "journal_cell_taken": (
        "Запись уже сделал другой пользователь: обновите журнал и повторите.",
        "Someone else has just made this entry: reload the journal and try again.",
    ),
    "journal_retry": (
        "Запись не удалась из-за одновременного изменения журнала: повторите.",
        "The write collided with a simultaneous change of the journal: try again.",
    ),
    "journal_cell_gone": (
        "Запись уже удалил другой пользователь: обновите журнал.",
        "Someone else has deleted this entry: reload the journal.",
    ),
    "journal_mark_scale": (
        "Отметка «{value}» вне шкалы: допустимы {allowed}.",
        "Mark «{value}» is off the scale: allowed are {allowed}.",
    ),
    "journal_not_in_group": (
        "Обучающийся не состоял в группе «{group}» на {date}.",
        "The student was not in group «{group}» on {date}.",
    ),
    "journal_not_in_subgroup": (
        "Обучающийся не входит в подгруппу «{subgroup}», у которой это занятие.",
        "The student is not in subgroup «{subgroup}» this lesson is for.",
    ),
    "journal_outside_year": (
        "Дата {date} вне учебного года {year} группы ({start} — {end}).",
        "{date} lies outside the group's academic year {year} ({start} to {end}).",
    ),
    "journal_day_off": (
        "{date} — выходной день ({reason}): занятия не проводятся.",
        "{date} is a day off ({reason}): no lessons are held.",
    ),
    "journal_weekend": ("суббота или воскресенье", "a weekend"),
    "journal_moved_away": (
        "занятия этого дня перенесены на {date}",
        "this day's lessons were moved to {date}",
    ),
    "journal_not_absent": (
        "Причину указывают только для пропуска: обучающийся не отмечен отсутствующим "
        "на этом занятии.",
        "A reason is given for an absence only: the student is not marked absent at this lesson.",
    ),
    "journal_not_in_curriculum": (
        "Дисциплины «{discipline}» нет в учебном плане группы «{group}» на период «{period}».",
        "Discipline «{discipline}» is not in group «{group}»'s curriculum for «{period}».",
    ),
    "journal_year_mark_period": (
        "Годовая отметка выставляется за учебный год, а не за период «{period}».",
        "A year mark is given for the academic year, not for «{period}».",
    ),
    "journal_year_period_kind": (
        "За учебный год выставляются годовая, экзаменационная, аттестационная или итоговая "
        "отметки.",
        "For the academic year, give a year, exam, attestation or final mark.",
    ),
    "journal_no_group_in_period": (
        "Обучающийся не состоял ни в одной группе в период «{period}».",
        "The student was in no group during «{period}».",
    ),
    "journal_subgroup_other_group": (
        "Подгруппа не относится к группе занятия.",
        "The subgroup is not of the lesson's group.",
    ),
    "journal_plan_topic_other": (
        "Тема не из тематического планирования этой группы и дисциплины.",
        "The topic is not from this group and discipline's thematic plan.",
    ),
    "journal_lesson_has_entries": (
        "На занятии уже есть отметки или пропуски ({count}): сначала удалите их.",
        "The lesson has marks or absences ({count}): delete them first.",
    ),
    "journal_work_has_marks": (
        "За работу уже выставлены отметки ({count}): сначала удалите их.",
        "The work has marks ({count}): delete them first.",
    ),
    "journal_teacher_required": (
        "Укажите преподавателя: у вашей учётной записи нет карточки сотрудника.",
        "Name the teacher: your account has no employee card.",
    ),
    "journal_slot": ("Номер урока — от 1 до {max}.", "The slot number is 1 to {max}."),
    "journal_period_already_closed": (
        "Период «{period}» уже закрыт.",
        "Period «{period}» is already closed.",
    ),
    "journal_period_not_closed": (
        "Период «{period}» не закрыт.",
        "Period «{period}» is not closed.",
    ),
    "journal_year_closed": (
        "Учебный год {year} закрыт: сначала откройте год.",
        "Academic year {year} is closed: reopen the year first.",
    ),
    "journal_substitution_exists": (
        "Этот преподаватель уже замещает на этом занятии.",
        "This teacher already substitutes at this lesson.",
    ),
    "journal_substitution_own": (
        "Это занятие ведёт сам этот преподаватель.",
        "This teacher gives the lesson himself.",
    ),
    "journal_duplicate_student": ("Обучающийся указан дважды.", "The student is named twice."),
    "journal_positive": ("Нужно положительное число.", "A positive number is required."),
    "journal_too_long": ("Не длиннее {limit} символов.", "At most {limit} characters."),
    "journal_required": ("Поле обязательно.", "The field is required."),
    "journal_not_found": ("Не найдено.", "Not found."),
    "journal_not_employee": (
        "Сотрудник не найден в этой организации.",
        "No such employee at this institution.",
    ),
    # -- refusals that name their reason (schema/errors.py, policies/explain.py) -------------
    # "forbidden" above is the frame; {reason} is one of these, {clause} the regulation's
    # quotation (Russian in both languages: it is a citation).
    "refusal_period_closed": (
        "Период закрыт для изменений: «{period}» закрыт {date}, закрыл(а) {who}",
        "The period is closed for changes: «{period}» was closed on {date} by {who}",
    ),
    "refusal_period_closed_unknown": (
        "Период закрыт для изменений",
        "The period is closed for changes",
    ),
    "refusal_closer_unknown": ("неизвестно кто", "someone unknown"),
    "refusal_final_set": (
        "Итоговая отметка уже выставлена ({kind}, «{period}»): отметки периода не изменяются",
        "The final mark is already set ({kind}, «{period}»): the period's marks are not changed",
    ),
    "refusal_final_set_unknown": (
        "Итоговая отметка уже выставлена: отметки периода не изменяются",
        "The final mark is already set: the period's marks are not changed",
    ),
    "refusal_attestation_set": (
        "Отметка промежуточной аттестации уже выставлена ({kind}, «{period}»): отметки не"
        " изменяются",
        "The attestation mark is already set ({kind}, «{period}»): marks are not changed",
    ),
    "refusal_attestation_set_unknown": (
        "Отметка промежуточной аттестации уже выставлена: отметки не изменяются",
        "The attestation mark is already set: marks are not changed",
    ),
    "refusal_out_of_scope": (
        "Не ваша группа или область: регламент разрешает это только для {scopes}",
        "Not your group or scope: the ruleset allows this only for {scopes}",
    ),
    "refusal_no_line": (
        "Ни одна строка регламента не даёт вашим ролям права «{action}» на «{object}»",
        "No line of the ruleset grants your roles «{action}» on «{object}»",
    ),
    "refusal_denied": (
        "Это запрещено строкой регламента",
        "A line of the ruleset forbids this",
    ),
    "refusal_or": (" или ", " or "),
    "refusal_no_clause": (
        "нет строки регламента, разрешающей это",
        "no line of the ruleset grants this",
    ),
    "final_kind_period": ("за период", "for the period"),
    "final_kind_semester": ("за семестр", "for the semester"),
    "final_kind_year": ("за год", "for the year"),
    "final_kind_attestation": ("промежуточная аттестация", "attestation"),
    "final_kind_exam": ("экзамен", "exam"),
    "final_kind_final": ("итоговая", "final"),
    # Scopes, as "only for …" ends (Russian genitive after «для»).
    "scope_institution": ("вашей организации", "your institution"),
    "scope_region": ("организаций вашего региона", "your region's institutions"),
    "scope_department": ("групп вашего отделения", "the groups of your department"),
    "scope_curated_group": ("групп, которые вы курируете", "the groups you curate"),
    "scope_taught": (
        "групп и дисциплин, которые вы ведёте",
        "the groups and disciplines you teach",
    ),
    "scope_substitute": (
        "занятий, на которые вас назначили заменой",
        "the lessons you were granted as a substitute",
    ),
    "scope_own_child": ("ваших детей", "your children"),
    "scope_self": ("вас самих", "yourself"),
    "scope_author": ("записей, которые сделали вы", "the entries you wrote"),
    "scope_general": (
        "общих записей организации, не адресованных одной группе",
        "the institution's general entries, addressed to no one group",
    ),
    "explain_condition_failed": (
        "строка {line}: область «{scope}» выполнена, условие «{condition}» не выполнено — {reason}",
        "line {line}: scope «{scope}» held, condition «{condition}» failed — {reason}",
    ),
    "explain_unknown_object": ("неизвестный объект «{obj}»", "unknown object «{obj}»"),
    "explain_no_account": (
        "нет учётной записи «{login}» в «{institution}»",
        "no account «{login}» at «{institution}»",
    ),
    "explain_ruleset": ("регламент: {slug}", "ruleset: {slug}"),
    "explain_user": (
        "пользователь: {login} в {institution}; роли {roles} (с унаследованными: {all})",
        "user: {login} at {institution}; roles {roles} (with inherited: {all})",
    ),
    "explain_lines": ("строки для {obj}:{act}:", "lines for {obj}:{act}:"),
    "explain_no_lines": (
        "  нет: запрещено по умолчанию (ни одна строка не даёт этого)",
        "  none: denied by default (no line grants this)",
    ),
    "explain_grant_implies": (
        "предоставление {role} даёт и {implied}: на каждую нужна своя строка grant",
        "granting {role} also grants {implied}: each needs its own grant line",
    ),
    "explain_row_missing": (
        "строка {gid}: не найдена в {institution}",
        "row {gid}: not found in {institution}",
    ),
    "explain_allow": ("РАЗРЕШЕНО", "ALLOW"),
    "explain_deny": ("ЗАПРЕЩЕНО", "DENY"),
    "explain_decision": (
        "решение по {obj} {pk}: {verdict}, {rule}",
        "decision on {obj} {pk}: {verdict} by {rule}",
    ),
    "explain_why": ("почему:", "why:"),
    "explain_reason": ("причина: {reason}", "reason: {reason}"),
    "explain_clause": ("основание: {clause}", "clause: {clause}"),
    "explain_applied": (
        "строка {line}: область «{scope}» выполнена, условия выполнены",
        "line {line}: scope «{scope}» held, its conditions held",
    ),
    "explain_out_of_scope": (
        "строка {line}: область «{scope}» не выполнена",
        "line {line}: scope «{scope}» did not hold",
    ),
}


def message(key: str, language: str = "ru", **kwargs: object) -> str:
    ru, en = MESSAGES[key]
    text = en if language == "en" else ru
    return text.format(**kwargs) if kwargs else text
