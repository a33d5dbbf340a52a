; Inno Setup script: wraps dist\anquan-desk\ (built by PyInstaller on Windows) into one installer.
; Build on Windows:  iscc packaging\windows\installer.iss
; Installs per user (no administrator rights needed on township laptops); data stays in
; %LOCALAPPDATA%\anquan-desk and is never touched by uninstalling.
#define AppVersion "0.1.0"

[Setup]
AppId={{6F1C2B7A-3E54-4C1E-9B0D-5A7E2F3C8D41}
AppName=安全检查工作台
AppVersion={#AppVersion}
AppPublisher=anquan-desk
DefaultDirName={localappdata}\Programs\anquan-desk
DefaultGroupName=安全检查工作台
PrivilegesRequired=lowest
OutputDir=..\..\dist
OutputBaseFilename=anquan-desk-setup-{#AppVersion}
Compression=lzma2
SolidCompression=yes
WizardStyle=modern

[Languages]
Name: "chinesesimplified"; MessagesFile: "compiler:Languages\ChineseSimplified.isl"

[Files]
Source: "..\..\dist\anquan-desk\*"; DestDir: "{app}"; Flags: recursesubdirs ignoreversion

[Icons]
Name: "{group}\安全检查工作台"; Filename: "{app}\anquan-desk.exe"
Name: "{userdesktop}\安全检查工作台"; Filename: "{app}\anquan-desk.exe"; Tasks: desktopicon

[Tasks]
Name: "desktopicon"; Description: "在桌面创建快捷方式"; GroupDescription: "附加任务："

[Run]
Filename: "{app}\anquan-desk.exe"; Description: "启动安全检查工作台"; Flags: nowait postinstall skipifsilent
